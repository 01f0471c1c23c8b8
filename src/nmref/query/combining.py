"""Analogues and combinations: what the sources say about taking drugs together."""

import sqlite3
from itertools import combinations
from typing import Any

from nmref.bounds import MAX_CHECK_CONDITIONS, MAX_CHECK_DRUGS, at_most, distinct
from nmref.errors import NotFound, NotFoundAll
from nmref.names import normalize
from nmref.query.card import order, summary, verdict
from nmref.query.compile import analogue_facts
from nmref.query.conditions import describe, linked_facts, reach, resolve_condition
from nmref.query.facts import (
    CATEGORY_NOTE,
    EVIDENCE,
    NOTICE,
    SEARCHED_SECTIONS,
    caveats_for,
    caveats_of_facts,
    drug_header,
    fact_record,
    fact_records,
    matched_name,
    source_rows,
    statement_key,
)
from nmref.query.names import resolve_drug
from nmref.query.parties import Party, interactions_stated_for, names, party


def ingredients_of(
    conn: sqlite3.Connection, drug_id: str, sources: dict[str, sqlite3.Row]
) -> dict[str, list[dict[str, Any]]]:
    """A drug's active ingredients by normalised name, each with the facts that state it."""
    found: dict[str, list[dict[str, Any]]] = {}
    for fact in fact_records(conn, "ingredients", "drug_id = ?", [drug_id], sources):
        found.setdefault(normalize(fact["text"]), []).append(fact)
    return found


class Combinations:
    """Findings for pairs of drugs, reading each drug's interactions, ingredients and caveats once.

    `check` of ten drugs looks at 45 pairs: reading per drug, not per pair, keeps it to ten reads.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.sources = source_rows(conn)
        self._parties: dict[str, Party] = {}
        self._stated: dict[str, list[dict[str, Any]]] = {}
        self._ingredients: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self._caveats: dict[str, list[dict[str, Any]]] = {}
        self._management: dict[str, dict[str, Any]] | None = None
        self._duplication: dict[str, dict[str, Any]] | None = None

    def management(self) -> dict[str, dict[str, Any]]:
        """What kind of interaction each interaction fact states and what to do, by fact id."""
        if self._management is None:
            self._management = {
                row["interaction_id"]: {key: row[key] for key in ("mechanism", "pathway", "management", "monitor")}
                for row in self.conn.execute("SELECT * FROM interaction_management")
            }
        return self._management

    def duplication_classes(self) -> dict[str, dict[str, Any]]:
        """The classes whose members are not doubled, each as the fact that says so."""
        if self._duplication is None:
            self._duplication = {}
            for row in self.conn.execute(
                "SELECT d.*, d.class_id AS id, c.name AS class_name FROM duplication_classes d "
                "JOIN classes c ON c.id = d.class_id"
            ):
                fact = fact_record(row, "duplication_classes", self.sources)
                fact["class_name"] = row["class_name"]
                self._duplication[row["class_id"]] = fact
        return self._duplication

    def party(self, drug_id: str) -> Party:
        if drug_id not in self._parties:
            self._parties[drug_id] = party(self.conn, drug_id)
        return self._parties[drug_id]

    def stated(self, drug: Party) -> list[dict[str, Any]]:
        if drug.drug_id not in self._stated:
            self._stated[drug.drug_id] = interactions_stated_for(self.conn, drug, self.sources)
        return self._stated[drug.drug_id]

    def ingredients(self, drug_id: str) -> dict[str, list[dict[str, Any]]]:
        if drug_id not in self._ingredients:
            self._ingredients[drug_id] = ingredients_of(self.conn, drug_id, self.sources)
        return self._ingredients[drug_id]

    def caveats(self, drug_id: str) -> list[dict[str, Any]]:
        if drug_id not in self._caveats:
            self._caveats[drug_id] = caveats_for(self.conn, [drug_id], self.sources)
        return self._caveats[drug_id]

    def pair_findings(self, first_id: str, second_id: str) -> list[dict[str, Any]]:
        first, second = self.party(first_id), self.party(second_id)
        findings = []
        for drug, other in ((first, second), (second, first)):
            # One finding per statement (statement_key), reached through its closest connection.
            by_statement: dict[tuple[Any, ...], dict[str, Any]] = {}
            reached = [(how, fact) for fact in self.stated(drug) if (how := names(fact, other)) is not None]
            for how, fact in sorted(reached, key=lambda pair: pair[0] != "this drug"):
                statement = statement_key(fact)
                if statement in by_statement:
                    continue
                if how == "this drug" and fact["via_ingredient"] is None:
                    connection, via = "direct", None
                elif how == "its class":
                    connection, via = "via class", fact["other_name"]
                elif how == "this drug":
                    connection, via = "via ingredient", fact["via_ingredient"]["name"]
                else:
                    connection, via = "via ingredient", fact["other_ingredient"] or fact["other_name"]
                note = CATEGORY_NOTE + (f"; the label's words: {fact['label_words']}" if fact["label_words"] else "")
                found = finding([drug.name, other.name], connection, fact["category"], note, fact["text"], [fact], via)
                found["management"] = self.management().get(fact["id"])
                by_statement[statement] = found
            findings.extend(by_statement.values())
        shared = self.ingredients(first.drug_id).keys() & self.ingredients(second.drug_id).keys()
        for key in sorted(shared):
            evidence = self.ingredients(first.drug_id)[key] + self.ingredients(second.drug_id)[key]
            findings.append(
                finding(
                    [first.name, second.name],
                    "same ingredient",
                    "duplicate therapy",
                    "both products contain this active ingredient",
                    None,
                    evidence,
                    evidence[0]["text"],
                )
            )
        for class_id in sorted(self.duplication_classes().keys() & first.class_ids & second.class_ids):
            stated = self.duplication_classes()[class_id]
            members = [
                fact_record(row, "drug_classes", self.sources)
                for row in self.conn.execute(
                    "SELECT m.drug_id || ':' || m.class_id AS id, d.name || ': one of the ' || c.name AS text, "
                    "m.quote, m.source_id, m.line, m.citations FROM drug_classes m JOIN drugs d ON d.id = m.drug_id "
                    "JOIN classes c ON c.id = m.class_id "
                    f"WHERE m.class_id = ? AND m.drug_id IN ({', '.join('?' * (len(first.ids) + len(second.ids)))}) "
                    "ORDER BY m.rowid",
                    [class_id, *first.ids, *second.ids],
                )
            ]
            findings.append(
                finding(
                    [first.name, second.name],
                    "same class",
                    "duplicate therapy",
                    "both belong to a class whose members are not given together (a curated, cited list)",
                    stated["text"],
                    [stated, *members],
                    stated["class_name"],
                )
            )
        for caveat in self.caveats(first.drug_id):
            linked = {link["drug_id"] for link in caveat["links"]}
            if caveat["scope"] == "combination" and second.drug_id in linked:
                findings.append(
                    finding(
                        [first.name, second.name],
                        "caveat",
                        caveat["kind"],
                        "a caveat recorded against this combination",
                        caveat["text"],
                        [caveat],
                    )
                )
        return findings


def analogues(conn: sqlite3.Connection, query: str) -> dict[str, Any]:
    """The analogues a source lists for a drug, by dosage form, with ingredient and warnings."""
    match = resolve_drug(conn, query)
    sources = source_rows(conn)
    listed = analogue_facts(conn, "drug_id", match["id"], sources)
    pairs = Combinations(conn)
    own = pairs.ingredients(match["id"])
    forms: dict[str, list[dict[str, Any]]] = {}
    for fact in listed:
        ingredients = pairs.ingredients(fact["analogue_id"])
        fact["ingredients"] = sorted({facts[0]["text"] for facts in ingredients.values()})  # [] when unknown
        fact["same_ingredient"] = sorted({own[key][0]["text"] for key in ingredients if key in own})
        fact["warnings"] = [
            finding
            for finding in pairs.pair_findings(match["id"], fact["analogue_id"])
            if finding["connection"] in ("direct", "via ingredient", "via class", "caveat")
        ]
        forms.setdefault(fact["dosage_form"], []).append(fact)
    return {
        "command": "analogues",
        "matched": matched_name(match),
        "drug": drug_header(conn, match["id"], sources),
        "dosage_forms": [{"dosage_form": form, "analogues": facts} for form, facts in forms.items()],
        "notice": "Listed as analogues by a promotional article; an analogue is not an equivalent. "
        "Ask a pharmacist before substituting.",
    }


def check(conn: sqlite3.Connection, queries: list[str], conditions: list[str] | None = None) -> dict[str, Any]:
    """The check card: a verdict for each pair of the named drugs and for each drug with each
    condition, strictest first, each with its findings (every connection the sources make) and
    what to do; each drug's sport status; and a bottom line. Every name and condition is
    resolved first: one that does not resolve is an error with suggestions, and nothing is
    checked. The same condition asked twice (in other words, in Russian, by code) counts once."""
    # The same name or condition typed twice is asked once; beyond the bounds, a usage error.
    queries, conditions = distinct(queries), distinct(conditions or [])
    at_most(len(queries), MAX_CHECK_DRUGS, "drugs")
    at_most(len(conditions), MAX_CHECK_CONDITIONS, "conditions")
    resolved, asked, missing = [], [], []
    for query in queries:
        try:
            resolved.append(resolve_drug(conn, query))
        except NotFound as error:
            missing.append(error)
    for text in conditions or []:
        try:
            condition = resolve_condition(conn, text)
        except NotFound as error:
            missing.append(error)
            continue
        if all(condition["concepts"] != other["concepts"] for other in asked):
            asked.append(condition)
    if missing:
        raise missing[0] if len(missing) == 1 else NotFoundAll(missing)
    unique = list({match["id"]: match for match in resolved}.values())
    pairs = Combinations(conn)
    sources = pairs.sources
    titles = {
        key: row["title"] + (f" ({GRADE_WORDS[row['grade']]})" if row["grade"] in GRADE_WORDS else "")
        for key, row in sources.items()
    }
    parties = {match["id"]: pairs.party(match["id"]) for match in unique}
    verdicts = []
    for first, second in combinations(unique, 2):
        subject = {"kind": "pair", "drugs": [first["name"], second["name"]], "condition": None, "statement": None}
        verdicts.append(verdict(subject, pairs.pair_findings(first["id"], second["id"]), titles))
    searched = [{"drug": drug.name, "evidence": evidence_kinds(conn, drug)} for drug in parties.values()]
    kinds = {entry["drug"]: ", ".join(entry["evidence"]) or "no facts at all" for entry in searched}
    for condition in asked:
        reached = reach(conn, [concept["id"] for concept in condition["concepts"]])
        understood = describe(condition)
        for drug in parties.values():
            found = condition_findings(conn, drug, understood, reached, sources)
            statement = (
                None
                if found
                else f"No label or article fact about {understood} for {drug.name} (searched: {kinds[drug.name]}). "
                "This is not evidence that it is safe in this condition."
            )
            subject = {"kind": "condition", "drugs": [drug.name], "condition": understood, "statement": statement}
            verdicts.append(verdict(subject, found, titles))
    verdicts = order(verdicts)
    sport = [finding for drug in parties.values() for finding in sport_findings(conn, drug, sources)]
    findings = [finding for each in verdicts for finding in each["findings"]] + sport
    caveats = caveats_of_facts(
        conn,
        [
            (finding.get("table") or EVIDENCE_TABLES[finding["connection"]], fact)
            for finding in findings
            if finding.get("table") or finding["connection"] in EVIDENCE_TABLES
            for fact in finding["evidence"]
        ],
        sources,
    )
    position = {id(finding): index for index, finding in enumerate(findings)}
    statement = None
    if not findings:
        statement = " ".join(
            [
                *(
                    [
                        "The sources searched state no interaction between these drugs ("
                        + "; ".join(f"{name}: {kind}" for name, kind in kinds.items())
                        + "). This is not evidence that the combination is safe."
                    ]
                    if len(unique) > 1
                    else []
                ),
                *(v["statement"] for v in verdicts if v["kind"] == "condition"),
            ]
        )
    return {
        "command": "check",
        "drugs": [{"id": m["id"], "name": m["name"], "matched": matched_name(m)} for m in resolved],
        "conditions": [
            {"query": c["query"], "understood": describe(c), "matched": c["matched"], "concepts": c["concepts"]}
            for c in asked
        ],
        "summary": summary(verdicts, [finding["drugs"][0] for finding in sport]),
        # Each verdict's evidence as positions in `findings`, so no finding is written twice.
        "verdicts": [{**v, "findings": [position[id(f)] for f in v["findings"]]} for v in verdicts],
        "findings": findings,
        "searched": searched,
        "caveats": caveats,
        "statement": statement,
        "notice": NOTICE,
    }


# The table of the facts a finding's evidence holds, by connection (a caveat finding holds the
# caveat itself).
EVIDENCE_TABLES = {
    "direct": "interactions",
    "via ingredient": "interactions",
    "via class": "interactions",
    "same ingredient": "ingredients",
    "sport status": "reference_facts",
    "same class": "drug_classes",
}
# How a page's grade reads beside its title.
GRADE_WORDS = {
    "regulator": "regulator's page",
    "holder": "holder's page",
    "label-copy": "third-party copy of the label",
    "not-a-label": "not a label",
    "reference-work": "reference work",
}
# Facts that `check --condition` screens: a condition that rules a drug out or calls for care.
CONDITION_TABLES = ("contraindications", "precautions")


def finding(
    drugs: list[str],
    connection: str,
    category: str,
    note: str,
    effect: str | None,
    evidence: list[dict[str, Any]],
    ingredient: str | None = None,
    condition: str | None = None,
) -> dict[str, Any]:
    return {
        "drugs": drugs,
        "connection": connection,
        "ingredient": ingredient,
        "condition": condition,
        "category": category,
        "category_note": note,
        "effect": effect,
        "evidence": evidence,
    }


def sport_findings(conn: sqlite3.Connection, drug: Party, sources: dict[str, sqlite3.Row]) -> list[dict[str, Any]]:
    """One finding for a drug (or an ingredient drug) with an anti-doping status, all its facts as evidence."""
    marks = ", ".join("?" * len(drug.ids))
    facts = fact_records(conn, "reference_facts", f"field = 'sport' AND drug_id IN ({marks})", drug.ids, sources)
    if not facts:
        return []
    return [finding([drug.name], "sport status", "prohibited in sport", "anti-doping status", facts[0]["text"], facts)]


def condition_findings(
    conn: sqlite3.Connection, drug: Party, understood: str, reached: dict[str, str], sources: dict[str, sqlite3.Row]
) -> list[dict[str, Any]]:
    """The contraindications and precautions of the drug (or, from the notes, of its ingredient
    drugs) linked to a concept the condition reaches, each saying which concept and how."""
    linked = linked_facts(conn, CONDITION_TABLES, reached, drug.ids)
    found = []
    for table in CONDITION_TABLES:
        ids = [fact_id for (fact_table, fact_id) in linked if fact_table == table]
        if not ids:
            continue
        for fact in fact_records(conn, table, f"id IN ({', '.join('?' * len(ids))})", ids, sources):
            if linked[(table, fact["id"])]["drug_id"] != drug.drug_id and fact["evidence"] == "promotional-article":
                continue  # an article's statement about the ingredient drug was not made about this product
            if table == "contraindications":
                category = "contraindicated" if fact["severity"] == "absolute" else "caution"
                note = "level from the source's wording: absolute contraindication, or use with caution"
            else:
                category = "note"
                note = f"the source's advice for this population ({fact['topic']}); no level assigned: read its words"
            result = finding([drug.name], "condition", category, note, fact["text"], [fact], condition=understood)
            result["table"] = table
            result["reached"] = linked[(table, fact["id"])]["reached"]
            found.append(result)
    return found


def evidence_kinds(conn: sqlite3.Connection, drug: Party) -> list[str]:
    """Which kinds of evidence say anything about the drug or its ingredient drugs (a substance:
    the labels that name it), in one statement."""
    marks = ", ".join("?" * len(drug.ids))
    tables = ["drugs", "drug_classes", *(table for table in SEARCHED_SECTIONS if table != "caveats")]
    union = " UNION ".join(
        f"SELECT source_id FROM {table} WHERE {'id' if table == 'drugs' else 'drug_id'} IN ({marks})"
        for table in tables
    )
    rows = conn.execute(
        f"SELECT DISTINCT s.kind FROM ({union}) AS t JOIN sources s ON s.id = t.source_id", drug.ids * len(tables)
    )
    return sorted(EVIDENCE[kind] for (kind,) in rows if kind in EVIDENCE)
