"""Analogues and combinations: what the sources say about taking drugs together."""

import sqlite3
from itertools import combinations
from typing import Any

from nmref.errors import NmrefError, NotFound
from nmref.names import normalize
from nmref.query.compile import analogue_facts
from nmref.query.facts import (
    CATEGORY_NOTE,
    EVIDENCE,
    NOTICE,
    SEARCHED_SECTIONS,
    caveats_for,
    caveats_of_facts,
    drug_header,
    fact_records,
    matched_name,
    source_rows,
)
from nmref.query.fulltext import match_expression, words
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
            for fact in self.stated(drug):
                how = names(fact, other)
                if how is None:
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
                findings.append(
                    finding([drug.name, other.name], connection, fact["category"], note, fact["text"], [fact], via)
                )
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
    """Every connection the sources make between each pair of the named drugs, each drug's sport
    status, and (with `conditions`) the contraindications and cautions that name a condition."""
    resolved, missing = [], []
    for query in queries:
        try:
            resolved.append(resolve_drug(conn, query))
        except NotFound as error:
            missing.append(error)
    if missing:
        raise NmrefError("; ".join(error.message for error in missing))
    unique = list({match["id"]: match for match in resolved}.values())
    pairs = Combinations(conn)
    sources = pairs.sources
    parties = {match["id"]: pairs.party(match["id"]) for match in unique}
    findings = []
    for first, second in combinations(unique, 2):
        findings.extend(pairs.pair_findings(first["id"], second["id"]))
    for match in unique:
        findings.extend(sport_findings(conn, parties[match["id"]], sources))
        for condition in conditions or []:
            findings.extend(condition_findings(conn, parties[match["id"]], condition, sources))
    caveats = caveats_of_facts(
        conn,
        [
            (EVIDENCE_TABLES[finding["connection"]], fact)
            for finding in findings
            if finding["connection"] in EVIDENCE_TABLES
            for fact in finding["evidence"]
        ],
        sources,
    )
    searched = [{"drug": drug.name, "evidence": evidence_kinds(conn, drug)} for drug in parties.values()]
    kinds = "; ".join(f"{s['drug']}: {', '.join(s['evidence']) or 'no facts at all'}" for s in searched)
    return {
        "command": "check",
        "drugs": [{"id": m["id"], "name": m["name"], "matched": matched_name(m)} for m in resolved],
        "conditions": conditions or [],
        "findings": findings,
        "searched": searched,
        "caveats": caveats,
        "statement": None
        if findings
        else f"The sources searched state no interaction between these drugs ({kinds}). "
        "This is not evidence that the combination is safe.",
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
    "condition": "contraindications",
}


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
    conn: sqlite3.Connection, drug: Party, condition: str, sources: dict[str, sqlite3.Row]
) -> list[dict[str, Any]]:
    """Contraindications and cautions of the drug (or its ingredient drugs) that name the condition."""
    terms = words(condition)
    if not terms:
        return []
    marks = ", ".join("?" * len(drug.ids))
    hits = conn.execute(
        "SELECT fact_id FROM fact_search WHERE fact_search MATCH ? AND section = 'contraindications' "
        f"AND drug_id IN ({marks})",
        [match_expression(terms, columns="text"), *drug.ids],
    ).fetchall()
    if not hits:
        return []
    ids = [row[0] for row in hits]
    facts = fact_records(conn, "contraindications", f"id IN ({', '.join('?' * len(ids))})", ids, sources)
    return [
        finding(
            [drug.name],
            "condition",
            "contraindicated" if fact["severity"] == "absolute" else "caution",
            "level from the source's wording: absolute contraindication, or use with caution",
            fact["text"],
            [fact],
            condition=condition,
        )
        for fact in facts
    ]


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
