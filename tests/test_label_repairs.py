"""Issue 19 item 6: the repairs a pharmacist's review asked for, and the omissions it named that the
stored labels do state, as the CLI answers them on the bundled database."""

from __future__ import annotations

from conftest import run


def evidence_of(*names: str) -> list[dict]:
    return [e for f in run("check", *names, "--json").json()["findings"] for e in f["evidence"]]


def test_plavix_avoid_advice_names_only_the_two_inhibitors_its_page_names() -> None:
    """Line 736 said "avoid" for every CYP2C19 inhibitor; its page says so for two."""
    stated = [e for e in evidence_of("plavix", "omeprazole") if e["source"]["line"] == 736]
    assert stated and "names only these two" in stated[0]["quote"]
    assert stated[0]["citations"]


def test_glycine_has_no_official_label_fact_resting_on_a_health_site() -> None:
    """Line 849 rested on a health-site article: glycine keeps only the article's words."""
    monograph = run("show", "glycine", "--json").json()
    sections = ("contraindications", "precautions", "interactions", "adverse_effects")
    assert not [f for s in sections for f in monograph[s] if f["evidence"] == "official-label"]


def test_aspirin_with_ibuprofen_and_with_uricosurics() -> None:
    ibuprofen = [e for e in evidence_of("aspirin", "ibuprofen") if e["source"]["kind"] == "label-notes"]
    assert any("blunt" in e["text"] for e in ibuprofen)
    assert any("uricosuric" in e["text"] for e in evidence_of("aspirin", "probenecid"))


def test_clopidogrel_hypersensitivity_to_another_thienopyridine() -> None:
    monograph = run("show", "plavix", "--json").json()
    cautions = [f for f in monograph["contraindications"] if f["severity"] == "relative"]
    assert any("thienopyridine" in f["text"] and f["evidence"] == "official-label" for f in cautions)
