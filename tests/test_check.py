"""`check`, `for` and `analogues`: what the sources connect, and honest wording when they don't."""

from __future__ import annotations

from conftest import run


def findings(*names: str) -> list[dict]:
    return run("check", *names, "--json").json()["findings"]


def test_direct_interaction() -> None:
    found = [
        f
        for f in findings("ceraxon", "levodopa")
        if f["connection"] == "direct" and f["evidence"][0]["evidence"] == "promotional-article"
    ]
    assert found and found[0]["category"] == "enhances effect"
    assert found[0]["evidence"][0]["quote"] == "Citicoline enhances the effects of levodopa."
    assert "assigned by a person" in found[0]["category_note"]


def test_interaction_reached_through_an_active_ingredient() -> None:
    found = [f for f in findings("acefen", "ceraxon") if f["connection"] == "via ingredient"]
    assert found and found[0]["category"] == "avoid combining" and found[0]["ingredient"] == "meclofenoxate"
    assert "meklofenoksat" in found[0]["evidence"][0]["quote"]


def test_interaction_through_an_ingredient_that_is_itself_a_drug() -> None:
    found = findings("ceraxon", "meclofenoxate")
    assert any(f["connection"] == "direct" and f["category"] == "avoid combining" for f in found)


def test_a_label_row_naming_members_of_two_classes_reaches_both() -> None:
    """Heparin's labels name clopidogrel and ticlopidine in lists headed by oral anticoagulants or
    NSAIDs: the row reaches the antiplatelets as well as the class it was first filed under."""
    lines = {
        evidence["source"]["line"]
        for f in findings("heparin", "tiklid")
        for evidence in f["evidence"]
        if evidence["id"].startswith("heparin-lbl-") and "ticlopidine" in evidence["quote"]
    }
    assert {603, 610} <= lines
    warfarin = {evidence["id"] for f in findings("heparin", "warfarin") for evidence in f["evidence"]}
    assert "heparin-lbl-ix-4" in warfarin


def test_a_label_line_filed_under_two_classes_is_one_finding_for_a_member_of_both() -> None:
    """Aspirin is an NSAID and an antiaggregant; heparin's line 610 names both groups."""
    stated = [
        (evidence["source"]["id"], evidence["source"]["line"])
        for f in findings("heparin", "aspirin")
        for evidence in f["evidence"]
    ]
    assert stated.count(("label-notes", 610)) == 1


def test_show_draws_a_line_filed_under_two_classes_once_and_json_keeps_both_rows() -> None:
    rows = [f["id"] for f in run("show", "heparin", "--json").json()["interactions"] if f["source"]["line"] == 603]
    assert rows == ["heparin-lbl-ix-4", "heparin-lbl-ix-4b"]
    assert run("show", "heparin").stdout.count("[label-notes, line 603]") == 1
    # the first screen's "Do not combine" list names Plavix's omeprazole line (two rows) once
    key_facts = next(line for line in run("show", "plavix").stdout.splitlines() if "Do not combine" in line)
    assert key_facts.count("omeprazole or esomeprazole") == 1


def test_duplicate_therapy_by_shared_ingredient() -> None:
    found = [f for f in findings("nootropil", "lucetam") if f["connection"] == "same ingredient"]
    assert found and found[0]["ingredient"] == "piracetam" and found[0]["category"] == "duplicate therapy"
    assert len(found[0]["evidence"]) >= 2


def test_combination_product_shares_each_ingredient() -> None:
    shared = {
        f["ingredient"] for f in findings("fezam", "cinnarizine", "piracetam") if f["connection"] == "same ingredient"
    }
    assert {"piracetam", "cinnarizine"} <= shared


def test_caveat_concerning_the_pair() -> None:
    assert any(f["connection"] == "caveat" and f["category"] == "contradiction" for f in findings("ceraxon", "acefen"))


def test_nothing_found_says_so_without_calling_it_safe() -> None:
    doc = run("check", "warfarin", "glycine", "--json").json()
    assert doc["findings"] == []
    assert "state no interaction" in doc["statement"] and "not evidence" in doc["statement"]
    text = run("check", "warfarin", "glycine").stdout
    assert "not evidence that the combination is safe" in text
    assert "safe." not in text.replace("is safe.", "")


def test_any_unknown_name_checks_nothing() -> None:
    outcome = run("check", "ceraxon", "levodpa", "acefen", code=1)
    assert outcome.stdout == ""
    assert "no drug named 'levodpa'" in outcome.stderr and "Levodopa" in outcome.stderr


def test_check_needs_two_names() -> None:
    run("check", "ceraxon", code=2)


def test_the_issue_example_finds_every_kind() -> None:
    kinds = {f["connection"] for f in findings("ceraxon", "acefen", "levodopa", "nootropil", "lucetam")}
    # Acefen is meclofenoxate, a stimulant prohibited in competition: its sport status is a finding.
    assert kinds == {"direct", "via ingredient", "same ingredient", "caveat", "sport status"}


def test_for_groups_by_drug_and_forgives_plural_and_order() -> None:
    strokes = run("for", "strokes", "--json").json()
    assert {d["id"] for d in strokes["drugs"]} >= {"ceraxon", "cerebrolysin", "mildronate"}
    for drug in strokes["drugs"]:
        for fact in drug["indications"]:
            assert fact["quote"] and fact["source"]["line"]
    forward = {d["id"] for d in run("for", "alcohol", "withdrawal", "--json").json()["drugs"]}
    backward = {d["id"] for d in run("for", "withdrawal", "alcohol", "--json").json()["drugs"]}
    assert forward == backward and "mildronate" in forward
    assert {d["id"] for d in run("for", "ALCOHOL", "--json").json()["drugs"]} >= {"mildronate", "glycine"}


def test_for_unknown_condition_suggests_terms() -> None:
    outcome = run("for", "strok", code=1)
    assert "no condition named 'strok'" in outcome.stderr and "Stroke (I60-I64)" in outcome.stderr


def test_analogues_by_dosage_form_with_ingredient_and_warning() -> None:
    doc = run("analogues", "ceraxon", "--json").json()
    forms = {group["dosage_form"]: group["analogues"] for group in doc["dosage_forms"]}
    assert "Tablets" in forms and "Nasal drops" in forms
    acefen = next(a for a in forms["Tablets"] if a["analogue_id"] == "acefen")
    assert acefen["ingredients"] == ["meclofenoxate"]
    assert any(w["category"] == "avoid combining" for w in acefen["warnings"])
    vincentin = next(a for a in forms["Tablets"] if a["analogue_id"] == "vincentin")
    assert vincentin["ingredients"] == [] and vincentin["warnings"] == []
    assert "Vincentin  (active ingredient: unknown)" in run("analogues", "ceraxon").stdout
    assert "not an equivalent" in doc["notice"]


def test_analogues_of_a_drug_with_none_listed() -> None:
    doc = run("analogues", "warfarin", "--json").json()
    assert doc["dosage_forms"] == []
    assert "list no analogues" in run("analogues", "warfarin").stdout
