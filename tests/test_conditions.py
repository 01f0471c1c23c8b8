"""The condition index: every way a clinician asks (English, Russian, ICD-10 code, a synonym)
reaches the same facts; the concept tree is followed down and up but never sideways; and a
condition nmref cannot read is an error with suggestions, never an empty answer."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import run
from nmref import query
from nmref.errors import NotFound
from nmref.query.conditions import describe, reach, resolve_condition, typed_code


@pytest.fixture(scope="module")
def conn() -> sqlite3.Connection:
    return query.connect(query.BUNDLED_DATABASE)


def concepts(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM conditions ORDER BY id").fetchall()


def resolved_ids(conn: sqlite3.Connection, text: str) -> set[str]:
    return {concept["id"] for concept in resolve_condition(conn, text)["concepts"]}


def test_the_index_covers_the_questions_clinicians_ask(conn: sqlite3.Connection) -> None:
    assert len(concepts(conn)) >= 40
    for asked in (
        "epilepsy",
        "эпилепсия",
        "G40",
        "kidney failure",
        "renal failure",
        "cerebral hemorrhage",
        "cerebral haemorrhage",
        "increased intracranial pressure",
        "raised intracranial pressure",
        "инсульт",
        "I63",
        "vertigo",
        "stroke",
        "pregnancy",
        "беременность",
        "breastfeeding",
    ):
        assert resolved_ids(conn, asked), asked


def test_each_concepts_code_russian_title_and_words_reach_it(conn: sqlite3.Connection) -> None:
    """For every concept: each of its codes, its Russian title and each listed word resolve to
    it (a code shared by a broader concept may bring that one too)."""
    checked = 0
    for concept in concepts(conn):
        for code in (concept["codes"] or "").split():
            assert concept["id"] in resolved_ids(conn, code), (concept["id"], code)
            assert concept["id"] in resolved_ids(conn, code.lower().replace(".", "")), (concept["id"], code)
        if concept["title_ru"]:
            assert resolved_ids(conn, concept["title_ru"].upper()) == {concept["id"]}
        for (name,) in conn.execute("SELECT name FROM condition_names WHERE condition_id = ?", [concept["id"]]):
            assert resolved_ids(conn, f"  {name.upper()} ") == {concept["id"]}, name
            checked += 1
    assert checked > len(concepts(conn))


def test_english_russian_and_code_give_the_same_answer() -> None:
    answers = [
        run("check", "cerebrolysin", "--condition", asked, "--json").json()
        for asked in ("epilepsy", "Эпилепсия", "G40", "g40")
    ]
    first = answers[0]
    assert first["verdicts"][0]["level"] == "contraindicated"
    for other in answers[1:]:
        assert other["findings"] == first["findings"]
        assert other["conditions"][0]["concepts"] == first["conditions"][0]["concepts"]
    assert "G40" in first["conditions"][0]["understood"] and "эпилепсия" in first["conditions"][0]["understood"]


def test_words_in_other_spellings_reach_the_same_contraindication() -> None:
    for english, other in (
        ("renal failure", "kidney failure"),
        ("cerebral haemorrhage", "cerebral hemorrhage"),
        ("raised intracranial pressure", "increased intracranial pressure"),
    ):
        for drug in ("cerebrolysin", "vinpocetine", "mildronate", "piracetam"):
            one = run("check", drug, "--condition", english, "--json").json()["findings"]
            two = run("check", drug, "--condition", other, "--json").json()["findings"]
            assert one == two, (drug, english, other)


def test_the_tree_is_followed_down_and_up_never_sideways(conn: sqlite3.Connection) -> None:
    parents = {row["id"]: row["parent_id"] for row in concepts(conn)}
    with_parent = [concept for concept, parent in parents.items() if parent]
    assert with_parent, "the index has no hierarchy"
    for child in with_parent:
        parent = parents[child]
        assert reach(conn, [parent])[child] == "narrower"
        assert reach(conn, [child])[parent] == "broader"
        for sibling in (other for other, up in parents.items() if up == parent and other != child):
            assert sibling not in reach(conn, [child]), (child, sibling)


def test_stroke_finds_both_kinds_and_i63_not_the_haemorrhagic_one(conn: sqlite3.Connection) -> None:
    stroke = reach(conn, sorted(resolved_ids(conn, "stroke")))
    ischaemic = resolved_ids(conn, "I63")
    haemorrhagic = resolved_ids(conn, "I61")
    assert ischaemic <= stroke.keys() and haemorrhagic <= stroke.keys()
    assert not haemorrhagic & reach(conn, sorted(ischaemic)).keys()


@pytest.mark.parametrize("typed", ["I63.9", "i639", "I63", "I60-I69", "i60 - i69"])
def test_codes_with_or_without_a_dot_and_blocks(typed: str, conn: sqlite3.Connection) -> None:
    assert typed_code(typed) is not None
    assert resolved_ids(conn, typed) & resolved_ids(conn, "I63")


def test_an_unknown_condition_is_an_error_with_suggestions_everywhere() -> None:
    outcome = run("check", "cerebrolysin", "--condition", "epilepssy", code=1)
    assert outcome.stdout == ""
    assert "no condition named 'epilepssy'; did you mean:" in outcome.stderr and "G40" in outcome.stderr
    assert "did you mean" in run("for", "инсульты", code=1).stderr
    assert "did you mean" in run("for", "strke", code=1).stderr
    with pytest.raises(NotFound) as raised:
        resolve_condition(query.connect(query.BUNDLED_DATABASE), "epilepssy")
    assert any("G40" in suggestion for suggestion in raised.value.suggestions)


def test_a_known_condition_without_facts_says_so_in_its_own_words() -> None:
    doc = run("check", "glycine", "--condition", "epilepsy", "--json").json()
    verdict = doc["verdicts"][0]
    assert verdict["level"] == "no fact stated" and "No label or article fact about Epilepsy" in verdict["statement"]
    assert "interaction" not in doc["statement"]
    assert "not evidence that it is safe" in run("check", "glycine", "--condition", "G40").stdout


def test_the_same_condition_given_twice_counts_once() -> None:
    once = run("check", "cerebrolysin", "--condition", "epilepsy", "--json").json()
    repeated = run(
        "check", "cerebrolysin", "--condition", "epilepsy", "--condition", "Epilepsy", "--condition", "G40", "--json"
    ).json()
    assert len(repeated["conditions"]) == 1 and repeated["findings"] == once["findings"]


def test_for_in_russian_and_by_code_matches_english() -> None:
    english = run("for", "stroke", "--json").json()
    assert english["drugs"]
    assert run("for", "инсульт", "--json").json()["drugs"] == english["drugs"]
    vertigo = run("for", "vertigo", "--json").json()
    assert any(drug["id"] == "cinnarizine" for drug in vertigo["drugs"])


def test_describe_names_code_and_russian_title(conn: sqlite3.Connection) -> None:
    text = describe(resolve_condition(conn, "G40"))
    assert "G40" in text and "эпилепсия" in text


@pytest.mark.parametrize(
    ("co_medication", "drug"),
    [
        ("phenelzine", "levodopa"),
        ("sertraline", "cerebrolysin"),
        ("theophylline", "tiklid"),
        ("levothyroxine", "piracetam"),
        ("metformin", "piracetam"),
        ("paracetamol", "plavix"),
        ("аспирин", "warfarin"),
    ],
)
def test_co_medications_resolve_in_check(co_medication: str, drug: str) -> None:
    doc = run("check", drug, co_medication, "--json").json()
    assert len(doc["drugs"]) == 2
    assert doc["findings"] or "not evidence that the combination is safe" in doc["statement"]


@pytest.mark.parametrize(("co_medication", "drug"), [("phenelzine", "levodopa"), ("sertraline", "cerebrolysin")])
def test_a_class_rule_reaches_a_named_member(co_medication: str, drug: str) -> None:
    findings = run("check", drug, co_medication, "--json").json()["findings"]
    assert any(finding["connection"] == "via class" for finding in findings)


def test_an_unknown_substance_is_an_error_and_a_substance_has_no_monograph() -> None:
    assert "no drug named 'metforminn'" in run("check", "piracetam", "metforminn", code=1).stderr
    assert "no monograph" in run("show", "metformin").stdout


@pytest.mark.parametrize(
    ("typed", "label_use"),
    [
        ("cardiomyopathy", "riboxin-lbl-ind-cardiomyopathy-ua"),
        ("K76", "riboxin-lbl-ind-liver-uz"),
        ("острый панкреатит", "mexidol-lbl-ind-abdominal-ru"),
        ("K65", "mexidol-lbl-ind-abdominal-ru"),
        ("T43.5", "mexidol-lbl-ind-antipsychotic-poisoning-ru"),
    ],
)
def test_label_uses_that_named_no_concept_are_reached_now(typed: str, label_use: str) -> None:
    answer = run("for", typed, "--json").json()
    reached = {fact["id"] for drug in answer["drugs"] for fact in drug["indications"]}
    assert label_use in reached


def test_liver_disease_reaches_the_hepatic_impairment_contraindications_below_it() -> None:
    answer = run("check", "mildronate", "--condition", "liver disease", "--json").json()
    assert answer["verdicts"][0]["level"] == "contraindicated"


def test_for_leaves_out_how_a_drug_moves_in_the_body() -> None:
    """Ceraxon's article says it is excreted by the kidneys and metabolised in the liver: that
    names an organ, not a use, so `for kidney failure` finds no drug given for it."""
    kidney = run("for", "kidney failure", "--json").json()
    assert kidney["drugs"] == [] and "says nothing about whether" in kidney["statement"]
    liver = run("for", "liver disease", "--json").json()
    listed = {fact["id"] for drug in liver["drugs"] for key in ("indications", "claimed_effects") for fact in drug[key]}
    assert "riboxin-lbl-ind-liver-uz" in listed and "ceraxon-art-52" not in listed
