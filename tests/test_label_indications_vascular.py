"""Official label indications of the anticoagulants and antiplatelets (seeds/reference/
label-indications-vascular.md): a clinician who asks by stroke, by its ICD-10 code or by a
cardiac or thrombotic condition finds aspirin and Plavix through their labels, and a drug's
indications begin with what its labels give it for, before any promotional article."""

from __future__ import annotations

from conftest import run

NOTES = "label-indications-vascular"


def drugs_by_id(answer: dict) -> dict[str, dict]:
    return {drug["id"]: drug for drug in answer["drugs"]}


def label_rows(drug: dict) -> dict[str, dict]:
    """The drug's indications reached through official-label facts of the vascular notes."""
    return {
        row["id"]: row
        for row in drug.get("indications", [])
        if row["evidence"] == "official-label" and row["source"]["id"] == NOTES
    }


def test_stroke_lists_aspirin_and_plavix_through_their_labels() -> None:
    answer = run("for", "stroke", "--json").json()
    drugs = drugs_by_id(answer)
    for drug_id in ("acetylsalicylic-acid", "plavix"):
        assert drug_id in drugs, sorted(drugs)
        assert label_rows(drugs[drug_id]), (drug_id, drugs[drug_id].get("indications"))
    # the secondary prevention after ischaemic stroke / TIA, each with its label and pages
    aspirin = label_rows(drugs["acetylsalicylic-acid"])["acetylsalicylic-acid-lbl-ind-stroke-tia-us"]
    assert aspirin["basis"] == "stated-use"
    assert aspirin["context"] == "US PI"
    assert [c["id"] for c in aspirin["citations"]] == ["S1306"]
    plavix = label_rows(drugs["plavix"])
    assert {"plavix-lbl-ind-mi-stroke-pad-eu", "plavix-lbl-ind-tia-minor-stroke-eu"} <= set(plavix)
    tia = plavix["plavix-lbl-ind-tia-minor-stroke-eu"]
    assert "together with aspirin" in tia["text"]
    assert tia["context"] == "EU SmPC"
    assert tia["quote"].startswith("- indication: plavix (EU SmPC, EMA):")
    # the stroke question reaches the narrower ischaemic stroke and TIA links, marked so
    reached = {hop["concept"] for hop in tia["reached"]}
    assert "Ischaemic stroke" in reached, tia["reached"]


def test_warfarin_indications_begin_with_its_labels() -> None:
    facts = run("indications", "warfarin", "--json").json()["facts"]
    assert len(facts) >= 7
    assert facts[0]["evidence"] == "official-label"
    assert facts[0]["source"]["id"] == NOTES
    ids = [fact["id"] for fact in facts]
    assert {"warfarin-lbl-ind-vte-us", "warfarin-lbl-ind-af-valve-us", "warfarin-lbl-ind-tia-uk"} <= set(ids)
    contexts = {fact["context"] for fact in facts}
    assert {"US PI", "UK SmPC"} <= contexts


def test_plavix_label_indications_come_before_the_article_claim() -> None:
    facts = run("indications", "plavix", "--json").json()["facts"]
    kinds = [fact["evidence"] for fact in facts]
    assert kinds[0] == "official-label"
    assert "promotional-article" in kinds, kinds
    first_article = kinds.index("promotional-article")
    assert all(kind == "official-label" for kind in kinds[:first_article])
    assert first_article >= 6


def test_the_ischaemic_stroke_code_reaches_the_clopidogrel_row() -> None:
    for code in ("I63", "i63", "I63.9"):
        answer = run("for", code, "--json").json()
        assert [c["id"] for c in answer["concepts"]] == ["ischaemic-stroke"], (code, answer["concepts"])
        plavix = label_rows(drugs_by_id(answer)["plavix"])
        assert "plavix-lbl-ind-tia-minor-stroke-eu" in plavix, (code, sorted(plavix))
        assert plavix["plavix-lbl-ind-tia-minor-stroke-eu"]["reached"] == [
            {"concept": "Ischaemic stroke", "how": "exact"}
        ]
    # a sibling code (haemorrhagic stroke) never reaches the ischaemic-stroke and TIA rows
    bleed = drugs_by_id(run("for", "I61", "--json").json())
    reached = set(label_rows(bleed["plavix"])) if "plavix" in bleed else set()
    assert "plavix-lbl-ind-tia-minor-stroke-eu" not in reached
    assert "plavix-lbl-ind-mi-stroke-pad-eu" not in reached


def test_the_new_cardiac_and_thrombotic_concepts_answer_by_word_and_code() -> None:
    af = run("for", "AF", "--json").json()
    assert [c["id"] for c in af["concepts"]] == ["atrial-fibrillation"]
    assert {"warfarin", "heparin", "plavix"} <= set(drugs_by_id(af))
    assert [c["id"] for c in run("for", "I48", "--json").json()["concepts"]] == ["atrial-fibrillation"]
    dvt = drugs_by_id(run("for", "DVT", "--json").json())
    assert "heparin-lbl-ind-postop-dvt-us" in label_rows(dvt["heparin"])
    tia = drugs_by_id(run("for", "TIA", "--json").json())
    assert "acetylsalicylic-acid-lbl-ind-tia-stroke-pl" in label_rows(tia["acetylsalicylic-acid"])
    attack = drugs_by_id(run("for", "heart attack", "--json").json())
    assert "plavix-lbl-ind-acs-us" in label_rows(attack["plavix"])


def test_analgesic_and_low_dose_aspirin_are_told_apart() -> None:
    facts = {f["id"]: f for f in run("indications", "aspirin", "--json").json()["facts"]}
    assert facts["acetylsalicylic-acid-lbl-ind-analgesic-us"]["text"].startswith("Analgesic aspirin")
    low_dose = [
        f
        for f in facts.values()
        if f["source"]["id"] == NOTES and f["id"] != "acetylsalicylic-acid-lbl-ind-analgesic-us"
    ]
    assert low_dose and all(f["text"].startswith("Low-dose antiplatelet aspirin") for f in low_dose)
    pain = drugs_by_id(run("for", "pain", "--json").json())
    assert "acetylsalicylic-acid-lbl-ind-analgesic-us" in label_rows(pain["acetylsalicylic-acid"])
    assert "plavix" not in pain
