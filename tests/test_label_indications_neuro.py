"""Official label indications of the neurometabolic drugs (seeds/reference/label-indications-neuro.md):
each is an official-label fact shown before the promotional articles' claims, and a clinician asking
by condition, in English or in Russian, reaches it."""

from __future__ import annotations

from conftest import facts_of, run


def test_piracetam_indications_start_with_its_official_label() -> None:
    answer = run("indications", "piracetam", "--json").json()
    facts = answer["facts"]
    assert facts, "piracetam has no indication"
    first = facts[0]
    assert first["evidence"] == "official-label"
    assert first["basis"] == "stated-use"
    assert first["source"] == {"id": "label-indications-neuro", "kind": "label-notes", "line": first["source"]["line"]}
    assert first["citations"] and all(c["id"].startswith("S") for c in first["citations"])
    # every label fact comes before any fact of another kind of evidence
    kinds = [fact["evidence"] for fact in facts]
    assert kinds == sorted(kinds, key=lambda kind: kind != "official-label")
    texts = " ".join(fact["text"] for fact in facts if fact["evidence"] == "official-label")
    assert "myoclonus" in texts and "Vertigo" in texts


def test_stroke_reaches_ceraxon_and_cerebrolysin_through_their_labels() -> None:
    answer = run("for", "stroke", "--json").json()
    ceraxon = {fact["id"]: fact for fact in facts_of(answer, "ceraxon")}
    acute = ceraxon["ceraxon-lbl-ind-acute-stroke-ru"]
    assert acute["evidence"] == "official-label"
    assert acute["context"] == "Russian instruction"
    assert "as part of combined treatment" in acute["text"]
    assert {"concept": "Ischaemic stroke", "how": "narrower"} in acute["reached"]
    assert [c["id"] for c in acute["citations"]] == ["S220", "S222"]
    cerebrolysin = {fact["id"] for fact in facts_of(answer, "cerebrolysin")}
    assert {
        "cerebrolysin-lbl-ind-ischaemic-stroke-ru",
        "cerebrolysin-lbl-ind-post-stroke-at",
        "cerebrolysin-lbl-ind-stroke-eg",
    } <= cerebrolysin


def test_a_russian_question_reaches_the_same_label_row() -> None:
    english = run("for", "stroke", "--json").json()
    russian = run("for", "инсульт", "--json").json()
    assert [c["id"] for c in russian["concepts"]] == ["stroke"]
    ids = {fact["id"] for fact in facts_of(russian, "ceraxon")}
    assert "ceraxon-lbl-ind-acute-stroke-ru" in ids
    assert ids == {fact["id"] for fact in facts_of(english, "ceraxon")}


def test_a_label_indication_with_no_condition_of_the_index_is_not_reached_by_a_wrong_one() -> None:
    """The sickle cell line has no concept: vertigo must not bring it."""
    answer = run("for", "vertigo", "--json").json()
    ids = {fact["id"] for fact in facts_of(answer, "piracetam")}
    assert "piracetam-lbl-ind-vertigo-cz" in ids
    assert "piracetam-lbl-ind-sickle-cell-cz" not in ids
