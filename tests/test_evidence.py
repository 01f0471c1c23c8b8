"""What the sources say, and how far it can be trusted: the basis of a claim, caveats on every row
they qualify, interactions from both sides, the coverage of the articles, and the official labels
beside the articles (issues "Say exactly what the articles say" and "Official labels beside the
articles"). Every test runs the real bundled database through the CLI or the query layer."""

import importlib.util
import re
import sqlite3
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from conftest import load_build_module, run
from nmref import query
from nmref.query.combining import Combinations

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def conn() -> sqlite3.Connection:
    return query.connect()


def shown(drug: str) -> dict[str, Any]:
    return run("show", drug, "--json").json()


def caveats_beside(payload: dict[str, Any], section: str, fact_id: str) -> set[str]:
    return next(set(fact["caveat_ids"]) for fact in payload[section] if fact["id"] == fact_id)


# --- a claim is not an indication ----------------------------------------------------------------


def test_a_claimed_effect_is_not_listed_as_a_use() -> None:
    answer = run("for", "alcohol", "dependence", "--json").json()
    glycine = next(drug for drug in answer["drugs"] if drug["name"] == "Glycine")
    assert glycine["indications"] == []
    assert [fact["basis"] for fact in glycine["claimed_effects"]] == ["claimed-effect"]
    assert "claimed effects, not uses" in run("for", "alcohol", "dependence").stdout


def test_stated_uses_come_before_drugs_with_claims_only() -> None:
    drugs = run("for", "alcohol", "--json").json()["drugs"]
    with_uses = [bool(drug["indications"]) for drug in drugs]
    assert with_uses == sorted(with_uses, reverse=True) and with_uses[0] and not with_uses[-1]


@pytest.mark.parametrize(
    ("drug", "fact_id", "basis", "hedge"),
    [
        ("glutamic-acid", "glutamic-acid-nmt-psychosis", "claimed-effect", None),
        ("glutamic-acid", "glutamic-acid-nmt-insomnia", "claimed-effect", None),
        ("cerebrolysin", "cerebrolysin-long-term-after-stroke", "claimed-effect", "offers hope"),
        ("cerebrolysin", "cerebrolysin-brain-healing-after-injury", "claimed-effect", "potential"),
        ("cerebrolysin", "cerebrolysin-recovery-after-stroke", "claimed-effect", "shown promise"),
        ("mildronate", "mildronate-ind-intense-labour-prevention", "claimed-effect", "Perhaps"),
        ("fezam", "fezam-nmt-schizophrenia", "group-claim", None),
        ("thiocetam", "thiocetam-nmt-schizophrenia", "group-claim", None),
        ("ginseng-tincture", "ginseng-tincture-nmt-stress", "group-claim", None),
        ("mildronate", "mildronate-ind-heart-disease", "stated-use", None),
    ],
)
def test_basis_and_hedge_of_an_indication(drug: str, fact_id: str, basis: str, hedge: str | None) -> None:
    fact = next(fact for fact in shown(drug)["indications"] if fact["id"] == fact_id)
    assert fact["basis"] == basis
    if hedge:
        assert hedge in fact["text"], "a hedged claim keeps its hedge"


def test_the_dosing_table_names_uses_too() -> None:
    drugs = run("for", "heart", "failure", "--json").json()["drugs"]
    assert [drug["name"] for drug in drugs] == ["Mildronate"]
    sources = [(fact["source"]["id"], fact["source"]["line"]) for fact in drugs[0]["indications"]]
    assert ("mildronate-article", 130) in sources
    assert sources[0][0] == "label-indications-neuro"  # the official label's use is shown first


# --- caveats reach every row they qualify ----------------------------------------------------------


@pytest.mark.parametrize("drug", ["warfarin", "heparin", "phenylin", "sinkumarin"])
def test_the_anticoagulant_caveat_reaches_each_anticoagulant(drug: str) -> None:
    assert "nmt-anticoagulants-no-safety-information" in {c["id"] for c in shown(drug)["caveats"]}
    assert "no indication, contraindication, monitoring or bleeding-risk information" in run("show", drug).stdout


def test_an_analogue_is_not_an_equivalent_on_each_analogues_own_page(conn: sqlite3.Connection) -> None:
    analogues = [row[0] for row in conn.execute("SELECT DISTINCT analogue_id FROM analogues WHERE drug_id = 'ceraxon'")]
    assert len(analogues) > 30
    for drug in analogues:
        listed = shown(drug)["listed_as_analogue_of"]
        assert any("ceraxon-cav-analogues-mechanism" in fact["caveat_ids"] for fact in listed), drug


def test_the_ceraxon_children_contradiction_is_beside_each_of_its_rows() -> None:
    ceraxon = shown("ceraxon")
    for section, fact_id in (
        ("contraindications", "ceraxon-ci-under-18"),
        ("label_dosing", "ceraxon-dose-children-syrup"),
        ("indications", "ceraxon-ind-children-cns-lesions"),
    ):
        assert "ceraxon-cav-children" in caveats_beside(ceraxon, section, fact_id), section


def test_a_caveat_on_a_pair_is_reported_once_per_pair() -> None:
    findings = run("check", "ceraxon", "acefen", "--json").json()["findings"]
    caveats = [finding["evidence"][0]["id"] for finding in findings if finding["connection"] == "caveat"]
    assert caveats.count("ceraxon-cav-acefen-meclofenoxate") == 1
    assert len(caveats) == len(set(caveats))


def test_caveats_are_beside_the_rows_in_for_and_search() -> None:
    answer = run("for", "alcohol", "--json").json()
    flagged = [fact for drug in answer["drugs"] for fact in drug["claimed_effects"] if fact["caveat_ids"]]
    assert flagged and {i for fact in flagged for i in fact["caveat_ids"]} <= {c["id"] for c in answer["caveats"]}
    hits = run("search", "athletes", "--json").json()
    assert any("mildronate-contradicts-label-sport" in hit["caveat_ids"] for hit in hits["hits"])


# --- interactions from both sides -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "fact_id", "stated_for", "names"),
    [
        ("levodopa", "ceraxon-ix-levodopa", "Ceraxon", "this drug"),
        ("acefen", "ceraxon-ix-meclofenoxate", "Ceraxon", "its ingredient"),
        ("riboxin", "mildronate-int-riboxin", "Mildronate", "this drug"),
    ],
)
def test_an_interaction_shows_on_the_other_drugs_page(drug: str, fact_id: str, stated_for: str, names: str) -> None:
    facts = run("interactions", drug, "--json").json()["facts"]
    fact = next(fact for fact in facts if fact["id"] == fact_id)
    assert (fact["stated_for"]["name"], fact["names"]) == (stated_for, names)
    assert f"stated for {stated_for}" in run("interactions", drug).stdout


# --- corrections ---------------------------------------------------------------------------------


def test_corrected_categories_and_marked_defects(conn: sqlite3.Connection) -> None:
    categories = dict(conn.execute("SELECT id, category FROM interactions WHERE drug_id = 'mildronate'").fetchall())
    assert categories["mildronate-int-detox"] == "required combination"
    assert categories["mildronate-int-other-rehab"] == "caution"
    defects = dict(conn.execute("SELECT id, defect FROM contraindications WHERE defect IS NOT NULL").fetchall())
    assert defects["mildronate-ci-lactation"] == "garbled"
    assert conn.execute("SELECT defect FROM ingredients WHERE id = 'ceraxon-citicoline-sodium'").fetchone()[0]


def test_the_class_tree_counts_members_of_subclasses() -> None:
    tree = run("classes", "--json").json()["classes"]
    vascular = next(node for node in tree if node["name"] == "Vascular medicines")
    assert vascular["members"] >= max(child["members"] for child in vascular["children"]) > 0


def test_a_regulatory_note_on_an_ingredient_reaches_its_products() -> None:
    for product in ("kavinton", "vero-vinpocetine"):
        regulatory = shown(product)["regulatory"]
        inherited = [fact for fact in regulatory if fact.get("via_ingredient")]
        assert any("FDA" in fact["text"] for fact in inherited), product
        assert all(fact["via_ingredient"]["id"] == "vinpocetine" for fact in inherited)


# --- every article line is quoted or left out with a reason ------------------------------------------


def load_coverage() -> Any:
    spec = importlib.util.spec_from_file_location("coverage_script", ROOT / "scripts" / "coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def uncovered(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    return [
        (article["source"], line["line"])
        for article in load_coverage().coverage(conn, ROOT / "seeds")
        for line in article["lines"]
        if not line["rows"] and not line["left_out"]
    ]


def test_every_article_line_is_quoted_or_left_out_with_a_reason(conn: sqlite3.Connection) -> None:
    assert uncovered(conn) == []


def test_a_line_neither_quoted_nor_left_out_is_reported(conn: sqlite3.Connection) -> None:
    copy = sqlite3.connect(":memory:")
    conn.backup(copy)
    copy.execute("DELETE FROM left_out WHERE source_id = 'ceraxon-article' AND line = 160")
    assert uncovered(copy) == [("ceraxon-article", 160)]


def test_a_line_only_an_identity_row_quotes_is_not_covered(conn: sqlite3.Connection) -> None:
    """Emoxipin's line 74 is quoted by its drug and class rows; its claims are recorded only by
    the indication row. Without that row the line is uncovered: naming a drug records no claim."""
    copy = sqlite3.connect(":memory:")
    conn.backup(copy)
    copy.execute("DELETE FROM indications WHERE id = 'emoxipin-nmt-74'")
    assert uncovered(copy) == [("neurometabolic-therapy", 74)]


# --- official labels beside the articles ---------------------------------------------------------------


def test_cerebrolysin_contraindications_from_the_label_beside_the_claim() -> None:
    answer = run("contraindications", "cerebrolysin", "--json").json()
    label = [fact for fact in answer["facts"] if fact["evidence"] == "official-label"]
    assert any("status epilepticus" in fact["text"] for fact in label)
    assert all(fact["citations"] for fact in label)
    assert "cerebrolysin-contradicts-label-no-ci" in {c["id"] for c in answer["caveats"]}
    text = run("contraindications", "cerebrolysin").stdout
    assert "Official label" in text and "caveat (contradicts-label)" in text


@pytest.mark.parametrize(
    ("names", "connection", "label_words"),
    [
        (("warfarin", "aspirin"), "via class", None),
        (("piracetam", "warfarin"), "direct", None),
        (("plavix", "omeprazole"), "direct", "Avoid concomitant use"),
        (("cinnarizine", "alcohol"), "direct", None),
    ],
)
def test_check_reports_the_labels_findings(names: tuple[str, str], connection: str, label_words: str | None) -> None:
    answer = run("check", *names, "--json").json()
    found = [f for f in answer["findings"] if f["connection"] == connection]
    assert found and all(f["evidence"][0]["evidence"] == "official-label" for f in found)
    if label_words:
        assert any(f["evidence"][0]["label_words"] == label_words for f in found)


def test_a_class_rule_fires_for_every_member_of_the_class(conn: sqlite3.Connection) -> None:
    """The rule, or its twin filed under another class from the same label line: one statement
    per pair (tests/test_check.py has a line that reaches a drug through both classes)."""
    rules = conn.execute(
        "SELECT i.id, i.drug_id, i.other_class_id, i.source_id, i.line FROM interactions i "
        "WHERE i.other_class_id IS NOT NULL"
    ).fetchall()
    assert len({rule["other_class_id"] for rule in rules}) >= 4
    for rule in rules:
        members = [
            row[0]
            for row in conn.execute("SELECT drug_id FROM drug_classes WHERE class_id = ?", [rule["other_class_id"]])
            if row[0] != rule["drug_id"]
        ]
        for member in members:
            findings = Combinations(conn).pair_findings(rule["drug_id"], member)
            stated = {(e["source"]["id"], e["source"]["line"]) for f in findings for e in f["evidence"]}
            assert (rule["source_id"], rule["line"]) in stated, (rule["id"], member)


def test_a_substance_without_a_monograph_resolves_and_says_so() -> None:
    page = shown("omeprazole")
    assert page["drug"]["kind"] == "substance"
    assert {fact["stated_for"]["name"] for fact in page["interactions"]} == {"Plavix"}
    assert "nmref has no monograph for Omeprazole" in run("show", "omeprazole").stdout
    assert "Omeprazole" not in run("drugs").stdout.splitlines()


def test_condition_screen_against_contraindications() -> None:
    answer = run("check", "cerebrolysin", "--condition", "epilepsy", "--json").json()
    levels = {f["category"] for f in answer["findings"] if f["connection"] == "condition"}
    assert levels == {"contraindicated", "caution"}
    quiet = run("check", "riboxin", "--condition", "epilepsy", "--json").json()
    assert quiet["findings"] == [] and "No label or article fact about Epilepsy" in quiet["statement"]
    assert "not evidence that it is safe in this condition" in quiet["statement"]


def test_sport_status_is_a_finding_and_heads_the_monograph() -> None:
    findings = run("check", "mildronate", "riboxin", "--json").json()["findings"]
    sport = [f for f in findings if f["connection"] == "sport status"]
    assert [f["drugs"] for f in sport] == [["Mildronate"]]
    head = run("show", "mildronate").stdout.split("Active ingredients")[0]
    assert "Sport:" in head and "WADA" in head


def test_nothing_found_names_the_kinds_of_evidence_searched() -> None:
    answer = run("check", "glycine", "riboxin", "--json").json()
    assert answer["findings"] == []
    searched = {entry["drug"]: entry["evidence"] for entry in answer["searched"]}
    assert searched["Glycine"] == ["official-label", "other-reference", "promotional-article"]
    assert "official-label" in searched["Riboxin"]
    assert "Glycine: official-label, other-reference, promotional-article" in answer["statement"]
    assert "not evidence that the combination is safe" in answer["statement"]


def test_every_fact_names_its_kind_of_evidence(conn: sqlite3.Connection) -> None:
    """A label-notes fact is an official-label fact unless every page it cites is graded not a
    label (a shop's summary, a health site): then it is the other reference it is."""
    kinds = {row[0]: row[1] for row in conn.execute("SELECT id, kind FROM sources")}
    grades = {row[0]: row[1] for row in conn.execute("SELECT id, grade FROM sources")}
    expected = {"promotional-article": "promotional-article", "label-notes": "official-label"}
    downgraded = 0
    for drug in ("ceraxon", "cerebrolysin", "mildronate", "glycine"):
        page = shown(drug)
        for section in ("indications", "contraindications", "precautions", "interactions", "adverse_effects"):
            for fact in page[section]:
                kind = kinds[fact["source"]["id"]]
                wanted = expected.get(kind, "other-reference")
                cited = [grades[c["id"]] for c in fact.get("citations") or []]
                if wanted == "official-label" and cited and set(cited) == {"not-a-label"}:
                    wanted, downgraded = "other-reference", downgraded + 1
                assert fact["evidence"] == wanted, fact["id"]
    assert downgraded >= 1


def test_no_label_notes_line_is_a_copied_sentence() -> None:
    """Label notes are our own short words: every fact line is short, ends in its citations, and
    carries no dose amount."""
    notes = (ROOT / "seeds" / "reference" / "label-notes.md").read_text(encoding="utf-8").splitlines()
    module = load_build_module()
    facts = [line for line in notes if line.startswith("- ") and not line.startswith(("- note:", "- ["))]
    assert len(facts) > 500
    for line in facts:
        assert line.rstrip().endswith("]") and "[S" in line, line
        assert not module.DOSE_AMOUNT.search(line.split(" [S")[0]), line


def test_every_pair_of_label_classes_is_distinct() -> None:
    tree = run("classes", "--json").json()["classes"]
    names = [node["name"].casefold() for node in tree]
    assert all(a != b for a, b in combinations(names, 2))


QUOTE_CITED = re.compile(r"“(.*)” \[([a-z0-9-]+), line (\d+)\]")


def test_every_shown_quote_stands_on_the_line_it_cites(bundled) -> None:
    """Every view of every drug: each quote shown with `[document, line N]` is on line N of that
    document (or, for a quote running over several lines, starts there)."""
    files = {row["id"]: row["file"] for row in bundled.execute("SELECT id, file FROM sources WHERE file IS NOT NULL")}
    documents = {key: (ROOT / "seeds" / name).read_text(encoding="utf-8").split("\n") for key, name in files.items()}
    drugs = [row[0] for row in bundled.execute("SELECT name FROM drugs WHERE kind = 'monograph' ORDER BY id")]
    checked = 0
    for drug in drugs:
        for view in ("show", "analogues"):
            for line in run(view, drug).stdout.splitlines():
                for quote, source, number in QUOTE_CITED.findall(line):
                    lines = documents[source]
                    start = int(number) - 1
                    first = quote.split("\n")[0]
                    assert first[:60] in lines[start], (drug, view, source, number, quote[:60])
                    checked += 1
    assert checked > 400


def test_analogues_cite_every_line_that_lists_them() -> None:
    """Two source lines of one dosage form (the article's two "Capsules" lines) each cite their
    own line under the analogues they list."""
    document = run("analogues", "ceraxon", "--json").json()
    listed = {fact["source"]["line"] for form in document["dosage_forms"] for fact in form["analogues"]}
    shown = {int(number) for _, _, number in QUOTE_CITED.findall(run("analogues", "ceraxon").stdout)}
    assert {145, 148} <= listed and listed <= shown


def test_a_labels_advice_is_not_a_caution() -> None:
    """'Best taken in the morning' (Mildronate) and "may upset the stomach" (cinnarizine) are
    advice on taking the drug, not patients' conditions: never a relative contraindication."""
    for drug, words in (("mildronate", "morning"), ("cinnarizine", "upset")):
        cautions = run("contraindications", drug, "--json").json()["facts"]
        assert not any(words in fact["text"] for fact in cautions), drug
        advice = [f for f in run("show", drug, "--json").json()["precautions"] if f["topic"] == "advice"]
        assert any(words in fact["text"] for fact in advice), drug


def test_the_audits_bare_claims_carry_caveats() -> None:
    glycine = run("show", "glycine", "--json").json()
    alcohol = next(f for f in glycine["indications"] if f["id"] == "glycine-nmt-alcohol-dependence")
    assert "glycine-cav-alcohol-dependence" in alcohol["caveat_ids"] and alcohol["basis"] == "claimed-effect"
    ceraxon = run("indications", "ceraxon", "--json").json()["facts"]
    pharmacology = [f for f in ceraxon if f["basis"] == "pharmacology"]
    assert len(pharmacology) == 5 and not any(f["text"].startswith("no own table") for f in ceraxon)
    cerebrolysin = run("show", "cerebrolysin", "--json").json()
    assert any(c["id"] == "cerebrolysin-cav-no-safety-information" for c in cerebrolysin["caveats"])
