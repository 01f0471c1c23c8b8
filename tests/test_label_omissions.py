"""The pharmacist's omissions (seeds/reference/label-omissions.md): each fact found on a stored label
page is reachable through the real CLI's JSON, cites its page, and quotes its notes line; the facts
still not found are not recorded anywhere."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, run

NOTES = Path(ROOT) / "seeds" / "reference" / "label-omissions.md"
SOURCE = "label-omissions"


def evidence_ids(document: dict[str, Any]) -> list[str]:
    return [item["id"] for finding in document["findings"] for item in finding["evidence"]]


def finding_for(document: dict[str, Any], fact_id: str) -> dict[str, Any]:
    for finding in document["findings"]:
        for item in finding["evidence"]:
            if item["id"] == fact_id:
                return {"finding": finding, "evidence": item}
    raise AssertionError(f"{fact_id} not among the findings: {evidence_ids(document)}")


def notes_line(number: int) -> str:
    return NOTES.read_text(encoding="utf-8").splitlines()[number - 1]


def test_heparin_show_has_the_potassium_test_warning() -> None:
    card = run("show", "heparin", "--json").json()
    rows = {row["id"]: row for row in card["precautions"]}
    row = rows["heparin-lbl3-warning-potassium"]
    assert row["topic"] == "warning"
    assert row["evidence"] == "official-label"
    assert row["source"]["id"] == SOURCE
    assert [c["id"] for c in row["citations"]] == ["S1600"]
    assert "potassium" in row["text"] and "blood test" in row["text"]
    assert row["quote"] == notes_line(row["source"]["line"])


def test_heparin_with_spironolactone_is_a_monitor_verdict_from_the_uk_leaflet() -> None:
    document = run("check", "heparin", "spironolactone", "--json").json()
    [verdict] = document["verdicts"]
    assert verdict["level"] == "monitor"
    found = finding_for(document, "heparin-lbl3-ix-potassium-raising")
    assert found["finding"]["management"]["management"] == "monitor"
    assert found["finding"]["management"]["mechanism"] == "pharmacodynamic"
    assert "potassium" in found["finding"]["management"]["monitor"]
    assert [c["id"] for c in found["evidence"]["citations"]] == ["S1600"]
    assert "amiloride" in found["evidence"]["other_name"]


@pytest.mark.parametrize(
    ("other", "fact_id"),
    [
        ("warfarin", "ginkoum-lbl3-ix-anticoagulants"),
        ("plavix", "ginkoum-lbl3-ix-antiplatelets"),
        ("aspirin", "ginkoum-lbl3-ix-antiplatelets"),
        ("ibuprofen", "ginkoum-lbl3-ix-nsaids"),
    ],
)
def test_ginkoum_label_advises_against_blood_thinners(other: str, fact_id: str) -> None:
    document = run("check", "ginkoum", other, "--json").json()
    [verdict] = document["verdicts"]
    assert verdict["level"] == "avoid combining"
    found = finding_for(document, fact_id)
    assert found["evidence"]["label_words"] == "не рекомендуется"
    assert found["evidence"]["source"]["id"] == SOURCE
    assert [c["id"] for c in found["evidence"]["citations"]] == ["S1605"]
    assert found["finding"]["management"]["management"] == "avoid"


@pytest.mark.parametrize("condition", ["pregnancy", "breastfeeding"])
@pytest.mark.parametrize("drug", ["piracetam", "cinnarizine", "ginkoum"])
def test_russian_labels_forbid_use_in_pregnancy_and_while_breastfeeding(drug: str, condition: str) -> None:
    document = run("check", drug, "--condition", condition, "--json").json()
    [verdict] = document["verdicts"]
    assert verdict["level"] == "contraindicated"
    found = finding_for(document, f"{drug}-lbl3-ci-{condition}")
    assert found["finding"]["table"] == "contraindications"


@pytest.mark.parametrize(
    ("drug", "fact_id", "words"),
    [
        ("piracetam", "piracetam-lbl3-ci-under-3", "under 3"),
        ("cinnarizine", "cinnarizine-lbl3-ci-children", "childhood"),
        ("ginkoum", "ginkoum-lbl3-ci-under-12", "under 12"),
    ],
)
def test_age_limits_reach_the_children_concept(drug: str, fact_id: str, words: str) -> None:
    document = run("check", drug, "--condition", "children", "--json").json()
    found = finding_for(document, fact_id)
    assert words in found["evidence"]["text"]
    assert found["finding"]["category"] == "contraindicated"


def test_piracetam_russian_contraindications_on_the_card() -> None:
    card = run("show", "piracetam", "--json").json()
    ours = {row["id"]: row for row in card["contraindications"] if row["source"]["id"] == SOURCE}
    assert set(ours) == {
        "piracetam-lbl3-ci-under-3",
        "piracetam-lbl3-ci-haemorrhagic-stroke",
        "piracetam-lbl3-ci-end-stage-renal",
        "piracetam-lbl3-ci-huntington",
        "piracetam-lbl3-ci-pregnancy",
        "piracetam-lbl3-ci-breastfeeding",
    }
    for row in ours.values():
        assert row["quote"] == notes_line(row["source"]["line"])
        assert "Russian" in row["text"]


def test_ginkoum_contraindications_reach_their_conditions() -> None:
    document = run("check", "ginkoum", "--condition", "peptic ulcer", "--json").json()
    assert "ginkoum-lbl3-ci-gastritis-ulcer" in evidence_ids(document)
    document = run("check", "ginkoum", "--condition", "D68", "--json").json()
    assert "ginkoum-lbl3-ci-clotting" in evidence_ids(document)


def test_label_versions_and_pages_are_recorded() -> None:
    document = run("sources", "--json").json()
    versions = {v["id"]: v for v in document["label_versions"] if "-lbl3-" in v["id"]}
    assert set(versions) == {
        "heparin-lbl3-uk-pil-multiparin",
        "piracetam-lbl3-ru-capsules-pharmacy",
        "piracetam-lbl3-ru-capsules-vidal",
        "cinnarizine-lbl3-ru-tablets",
        "ginkoum-lbl3-ru-capsules",
        "ginkoum-lbl3-ru-capsules-higher",
    }
    assert {v["read_on"] for v in versions.values()} == {"2026-12-03"}
    assert versions["heparin-lbl3-uk-pil-multiparin"]["country"] == "UK"
    assert versions["heparin-lbl3-uk-pil-multiparin"]["pages"] == ["S1600"]
    sources = {s["id"]: s for s in document["sources"]}
    for key in ("S1600", "S1601", "S1602", "S1603", "S1604", "S1605"):
        assert sources[key]["grade"] == "label-copy"
        assert sources[key]["url"] in NOTES.read_text(encoding="utf-8")
        assert sources[key]["citations"] > 0
    notes = sources[SOURCE]
    assert notes["kind"] == "label-notes"
    assert notes["sha256"] == hashlib.sha256(NOTES.read_bytes()).hexdigest()


def test_what_was_not_found_is_not_recorded() -> None:
    """Warfarin and Plavix gained nothing from these notes: no page stated the CYP, St John's wort or
    CYP2C8 facts, and the Not found note says so."""
    text = NOTES.read_text(encoding="utf-8")
    assert "## Not found" in text
    for drug in ("warfarin", "plavix", "bilobil", "memaplant", "ginos"):
        card = run("show", drug, "--json").json()
        for table in ("contraindications", "precautions", "interactions", "adverse_effects", "indications"):
            own = [row for row in card[table] if (row.get("stated_for") or {"id": drug})["id"] == drug]
            assert all(row["source"]["id"] != SOURCE for row in own), (drug, table)
    # Warfarin's card shows Ginkoum's label rule from the other side, stated for Ginkoum only.
    card = run("show", "warfarin", "--json").json()
    ours = [row for row in card["interactions"] if row["source"]["id"] == SOURCE]
    assert [(row["id"], row["stated_for"]["id"]) for row in ours] == [("ginkoum-lbl3-ix-anticoagulants", "ginkoum")]
    for words in ("St John's wort", "CYP2C8", "Bilobil, Memaplant and Ginos"):
        assert words in text.split("## Not found", 1)[1]


def test_tanakan_pregnancy_contraindication_and_where_the_labels_disagree() -> None:
    answer = run("check", "tanakan", "--condition", "беременность", "--json").json()
    assert answer["verdicts"][0]["level"] == "contraindicated"
    monograph = run("show", "tanakan", "--json").json()
    montenegrin = next(f for f in monograph["contraindications"] if f["id"] == "tanakan-lbl3-ci-pregnancy-me")
    serbian = next(f for f in monograph["precautions"] if f["id"] == "tanakan-l2-pregnancy")
    assert montenegrin["source"]["id"] == SOURCE and [c["id"] for c in montenegrin["citations"]] == ["S1701"]
    assert "tanakan-labels-disagree-pregnancy" in set(montenegrin["caveat_ids"]) & set(serbian["caveat_ids"])
