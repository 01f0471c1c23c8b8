"""Analogues and combinations: what the sources say about taking drugs together."""

import sqlite3
from itertools import combinations
from typing import Any

from nmref.errors import NmrefError, NotFound
from nmref.names import normalize
from nmref.query.facts import CATEGORY_NOTE, NOTICE, drug_header, fact_records, matched_name, source_rows
from nmref.query.monograph import analogue_facts
from nmref.query.names import resolve_drug


def ingredients_of(
    conn: sqlite3.Connection, drug_id: str, sources: dict[str, sqlite3.Row]
) -> dict[str, list[dict[str, Any]]]:
    """A drug's active ingredients by normalised name, each with the facts that state it."""
    found: dict[str, list[dict[str, Any]]] = {}
    for fact in fact_records(conn, "ingredients", "drug_id = ?", [drug_id], sources):
        found.setdefault(normalize(fact["text"]), []).append(fact)
    return found


def analogues(conn: sqlite3.Connection, query: str) -> dict[str, Any]:
    """The analogues a source lists for a drug, by dosage form, with ingredient and warnings."""
    match = resolve_drug(conn, query)
    sources = source_rows(conn)
    listed = analogue_facts(conn, "drug_id", match["id"], sources)
    own = ingredients_of(conn, match["id"], sources)
    forms: dict[str, list[dict[str, Any]]] = {}
    for fact in listed:
        ingredients = ingredients_of(conn, fact["analogue_id"], sources)
        fact["ingredients"] = sorted({facts[0]["text"] for facts in ingredients.values()})  # [] when unknown
        fact["same_ingredient"] = sorted({own[key][0]["text"] for key in ingredients if key in own})
        fact["warnings"] = [
            finding
            for finding in pair_findings(conn, match["id"], fact["analogue_id"], sources)
            if finding["connection"] in ("direct", "via ingredient", "caveat")
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


def check(conn: sqlite3.Connection, queries: list[str]) -> dict[str, Any]:
    """Every connection the sources make between each pair of the named drugs."""
    resolved, missing = [], []
    for query in queries:
        try:
            resolved.append(resolve_drug(conn, query))
        except NotFound as error:
            missing.append(error)
    if missing:
        raise NmrefError("; ".join(error.message for error in missing))
    unique = list({match["id"]: match for match in resolved}.values())
    sources = source_rows(conn)
    findings = []
    for first, second in combinations(unique, 2):
        findings.extend(pair_findings(conn, first["id"], second["id"], sources))
    return {
        "command": "check",
        "drugs": [{"id": m["id"], "name": m["name"], "matched": matched_name(m)} for m in resolved],
        "findings": findings,
        "statement": None
        if findings
        else "The sources state no interaction between these drugs. This is not evidence that the combination is safe.",
        "notice": NOTICE,
    }


def pair_findings(
    conn: sqlite3.Connection, first: str, second: str, sources: dict[str, sqlite3.Row]
) -> list[dict[str, Any]]:
    names = {
        row["id"]: row["name"] for row in conn.execute("SELECT id, name FROM drugs WHERE id IN (?, ?)", [first, second])
    }
    ingredients = {drug: ingredients_of(conn, drug, sources) for drug in (first, second)}
    ingredient_drugs = {
        drug: {fact["ingredient_drug_id"] for facts in found.values() for fact in facts if fact["ingredient_drug_id"]}
        for drug, found in ingredients.items()
    }
    findings = []
    for drug, other in ((first, second), (second, first)):
        for fact in fact_records(conn, "interactions", "drug_id = ?", [drug], sources):
            if fact["other_drug_id"] == other:
                connection, via = "direct", None
            elif fact["other_drug_id"] in ingredient_drugs[other] or (
                fact["other_ingredient"] and normalize(fact["other_ingredient"]) in ingredients[other]
            ):
                connection, via = "via ingredient", fact["other_ingredient"] or fact["other_name"]
            else:
                continue
            findings.append(
                {
                    "drugs": [names[drug], names[other]],
                    "connection": connection,
                    "ingredient": via,
                    "category": fact["category"],
                    "category_note": CATEGORY_NOTE,
                    "effect": fact["text"],
                    "evidence": [fact],
                }
            )
    for key in sorted(set(ingredients[first]) & set(ingredients[second])):
        findings.append(
            {
                "drugs": [names[first], names[second]],
                "connection": "same ingredient",
                "ingredient": ingredients[first][key][0]["text"],
                "category": "duplicate therapy",
                "category_note": "both products contain this active ingredient",
                "effect": None,
                "evidence": ingredients[first][key] + ingredients[second][key],
            }
        )
    for caveat in fact_records(
        conn,
        "caveats",
        "(drug_id = ? AND other_drug_id = ?) OR (drug_id = ? AND other_drug_id = ?)",
        [first, second, second, first],
        sources,
    ):
        findings.append(
            {
                "drugs": [names[first], names[second]],
                "connection": "caveat",
                "ingredient": None,
                "category": caveat["kind"],
                "category_note": "a caveat recorded against this pair",
                "effect": caveat["text"],
                "evidence": [caveat],
            }
        )
    return findings
