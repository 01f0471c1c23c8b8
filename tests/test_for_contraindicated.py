"""`for` never lets a use read as safe where the same drug's sources contraindicate it: each drug
given for a condition (or for a broader one) lists its contraindications linked to the same
concepts, in the JSON, the text view and the web page."""

from __future__ import annotations

import pytest

from conftest import run


def drugs_for(condition: str) -> dict[str, dict]:
    return {drug["id"]: drug for drug in run("for", condition, "--json").json()["drugs"]}


def test_aspirin_s_use_in_stroke_prevention_stands_beside_its_brain_haemorrhage_contraindication() -> None:
    aspirin = drugs_for("I61")["acetylsalicylic-acid"]
    assert aspirin["indications"], "aspirin is reached through a broader concept's label indication"
    assert all(r["how"] == "broader" for fact in aspirin["indications"] for r in fact["reached"])
    barred = aspirin["contraindications"]
    assert barred and "brain haemorrhage" in barred[0]["text"]
    assert barred[0]["evidence"] == "official-label" and barred[0]["citations"]
    assert {"concept": "Haemorrhagic stroke", "how": "exact"} in barred[0]["reached"]


def test_the_same_contraindication_is_found_by_russian_words_and_by_code() -> None:
    by_code = drugs_for("I61")["vinpocetine"]["contraindications"]
    by_words = drugs_for("внутримозговое кровоизлияние")["vinpocetine"]["contraindications"]
    assert by_code and [fact["id"] for fact in by_code] == [fact["id"] for fact in by_words]


def test_cinnarizine_for_stroke_carries_the_austrian_recent_stroke_contraindication() -> None:
    cinnarizine = drugs_for("stroke")["cinnarizine"]
    assert any(fact["source"]["kind"] == "promotional-article" for fact in cinnarizine["indications"])
    assert any("recent stroke" in fact["text"] for fact in cinnarizine["contraindications"])


def test_a_drug_whose_sources_bar_nothing_here_lists_nothing() -> None:
    drugs = drugs_for("alcohol withdrawal")
    assert drugs and all(isinstance(drug["contraindications"], list) for drug in drugs.values())
    assert not drugs["mildronate"]["contraindications"]


def test_the_text_view_says_it_before_the_uses() -> None:
    text = run("for", "I61", env={"COLUMNS": "200"}).stdout
    aspirin = text[text.index("Acetylsalicylic acid") :]
    assert aspirin.index("contraindicated here by its own sources") < aspirin.index("stated uses")


def test_the_web_page_says_it_too() -> None:
    pytest.importorskip("datasette", reason="the web extra is not installed: pip install 'nmref[web]'")
    from test_web import get

    html = get("/-/nmref/for?condition=I61").text
    aspirin = html[html.index(">Acetylsalicylic acid<") :]
    assert aspirin.index("Contraindicated here by its own sources") < aspirin.index("Stated uses")
