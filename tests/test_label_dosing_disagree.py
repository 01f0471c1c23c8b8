"""Where the official labels give their dosing, and where national labels disagree (real CLI, --json)."""

from __future__ import annotations

import re

import pytest

from conftest import run


def _facts_by_id(doc: dict, section: str) -> dict[str, dict]:
    return {fact["id"]: fact for fact in doc[section]}


def test_cerebrolysin_seizure_disagreement_links_both_sides() -> None:
    doc = run("show", "cerebrolysin", "--json").json()
    disagree = {c["id"]: c for c in doc["caveats"] if c["kind"] == "labels-disagree"}
    assert disagree, "show cerebrolysin lists no labels-disagree caveat"
    contraindications = _facts_by_id(doc, "contraindications")
    status_epilepticus = next(
        f for f in contraindications.values() if f["text"].startswith("status epilepticus (Russian")
    )
    epilepsy = next(f for f in contraindications.values() if f["text"].startswith("epilepsy (Croatian and Czech"))
    shared = set(status_epilepticus["caveat_ids"]) & set(epilepsy["caveat_ids"]) & set(disagree)
    assert shared, "no labels-disagree caveat links the Russian status-epilepticus and the EU epilepsy rows"
    caveat = disagree[shared.pop()]
    assert "Russian" in caveat["text"] and "Croatian" in caveat["text"] and "Czech" in caveat["text"]
    assert caveat["source"]["kind"] == "label-notes"


def test_cerebrolysin_pregnancy_disagreement_links_czech_and_russian_rows() -> None:
    doc = run("show", "cerebrolysin", "--json").json()
    disagree = {c["id"] for c in doc["caveats"] if c["kind"] == "labels-disagree"}
    czech = next(f for f in doc["contraindications"] if "Czech leaflet only" in f["text"])
    russian = next(f for f in doc["precautions"] if f["topic"] == "pregnancy" and f["text"].startswith("Russian label"))
    assert set(czech["caveat_ids"]) & set(russian["caveat_ids"]) & disagree


def test_show_prints_where_the_labels_disagree() -> None:
    text = run("show", "cerebrolysin").stdout
    assert "Where the labels disagree" in text
    assert "Labels disagree on seizures" in text


def test_cinnarizine_dosing_points_to_a_label_page_without_any_number() -> None:
    outcome = run("dosing", "cinnarizine", "--json")
    assert outcome.code == 0
    doc = outcome.json()
    label_rows = [f for f in doc["facts"] if f["evidence"] == "official-label"]
    assert label_rows, "no official-label dosing row for cinnarizine"
    assert any(c["url"].startswith("https://") for f in label_rows for c in f["citations"])
    for fact in doc["facts"]:
        assert not re.search(r"\d", fact["text"]), fact["text"]
    for fact in label_rows:
        assert fact["source"]["id"] == "label-dosing"
        assert fact["citations"], fact["id"]


def test_piracetam_s_russian_pregnancy_ban_and_the_uk_label_s_clearly_needed_share_a_caveat() -> None:
    monograph = run("show", "piracetam", "--json").json()
    joined = {
        fact["id"]
        for section in ("contraindications", "precautions")
        for fact in monograph[section]
        if "piracetam-labels-disagree-pregnancy" in fact["caveat_ids"]
    }
    assert joined == {"piracetam-lbl3-ci-pregnancy", "piracetam-lbl-pregnancy-2"}
    caveat = next(c for c in monograph["caveats"] if c["id"] == "piracetam-labels-disagree-pregnancy")
    assert caveat["kind"] == "labels-disagree" and caveat["citations"]


@pytest.mark.parametrize(
    ("drug", "caveat_id", "section", "rows_that_differ"),
    [
        (
            "mildronate",
            "mildronate-labels-disagree-liver-kidney",
            "contraindications",
            {"mildronate-lbl-ci-2", "mildronate-lbl-caution-2"},
        ),
        (
            "piracetam",
            "piracetam-labels-disagree-kidney",
            "contraindications",
            {"piracetam-lbl-ci-3", "piracetam-lbl-ci-4"},
        ),
        (
            "cinnarizine",
            "cinnarizine-labels-disagree-children",
            "precautions",
            {"cinnarizine-lbl-children-1", "cinnarizine-lbl-children-3"},
        ),
        (
            "aspirin",
            "acetylsalicylic-acid-labels-disagree-anticoagulants",
            "interactions",
            {"acetylsalicylic-acid-lbl-ix-1", "acetylsalicylic-acid-lbl-ix-3"},
        ),
        ("heparin", "heparin-labels-disagree-aspirin", "interactions", {"heparin-lbl-ix-3", "heparin-lbl-ix-10"}),
    ],
)
def test_a_labels_disagree_caveat_joins_the_national_rows_that_differ(
    drug: str, caveat_id: str, section: str, rows_that_differ: set[str]
) -> None:
    monograph = run("show", drug, "--json").json()
    marked = {fact["id"] for fact in monograph[section] if caveat_id in fact["caveat_ids"]}
    assert rows_that_differ <= marked
    caveat = next(c for c in monograph["caveats"] if c["id"] == caveat_id)
    assert caveat["kind"] == "labels-disagree" and caveat["text"].startswith("Labels disagree on")
    assert caveat["source"]["kind"] == "label-notes" and caveat["citations"]
