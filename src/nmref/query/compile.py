"""Compiling a drug's monograph from the fact tables: what the build stores for `monograph`.

Build-time work (and the analogues command's): a lookup never imports this module.
"""

import sqlite3
from typing import Any

from nmref.query.classes import class_path
from nmref.query.facts import (
    FACT_SECTIONS,
    INHERITED_SECTIONS,
    NOTICE,
    attach_caveats,
    caveats_for,
    cite,
    drug_header,
    fact_record,
    fact_records,
    qualifies,
    source_rows,
)
from nmref.query.parties import ingredient_drugs, interactions_naming, interactions_stated_for, party

# Lists of a monograph that are not named after their table.
SHOWN_TABLES = {
    "analogues": "analogues",
    "listed_as_analogue_of": "analogues",
    "atc": "reference_facts",
    "sport": "reference_facts",
    "label": "reference_facts",
    "regulatory": "reference_facts",
}


def compile_monograph(conn: sqlite3.Connection, drug_id: str) -> dict[str, Any]:
    """A drug's monograph from the fact tables: what the build stores for `monograph` to read.

    Facts from the notes about a drug that is an active ingredient of this one reach it, marked
    `via_ingredient`; interactions come from both sides (what other drugs' sources state about
    this one is marked with `stated_for` and `names`).
    """
    sources = source_rows(conn)
    drug = party(conn, drug_id)
    ingredient_of = ingredient_drugs(conn, drug)
    caveats = caveats_for(conn, [drug_id], sources)
    result: dict[str, Any] = {
        "drug": drug_header(conn, drug_id, sources),
        "names": [
            {
                "name": row["name"],
                "kind": row["kind"],
                "quote": row["quote"],
                "source": cite(sources, row["source_id"], row["line"]),
            }
            for row in conn.execute(
                "SELECT * FROM drug_names WHERE drug_id = ? ORDER BY kind != 'canonical', kind, name", [drug_id]
            )
        ],
        "classes": drug_classes(conn, drug_id, sources),
    }
    sections = {section: fact_records(conn, section, "drug_id = ?", [drug_id], sources) for section in FACT_SECTIONS}
    sections["reference_facts"] = fact_records(conn, "reference_facts", "drug_id = ?", [drug_id], sources)
    for ingredient in ingredient_of:
        inherited_caveats = caveats_for(conn, [ingredient["id"]], sources)
        for section in INHERITED_SECTIONS:
            if section == "interactions":
                continue  # interactions_stated_for brings these
            for fact in fact_records(conn, section, "drug_id = ?", [ingredient["id"]], sources):
                if fact["evidence"] != "promotional-article":
                    fact["via_ingredient"] = ingredient
                    sections[section].append(fact)
                    caveats += [c for c in inherited_caveats if qualifies(c, section, fact["id"]) and c not in caveats]
    sections["interactions"] = interactions_stated_for(conn, drug, sources) + interactions_naming(conn, drug, sources)
    for fact in sections["interactions"]:
        if fact["stated_for"]["id"] != drug_id:
            caveats += [
                c
                for c in caveats_for(conn, [fact["stated_for"]["id"]], sources)
                if qualifies(c, "interactions", fact["id"]) and c not in caveats
            ]
    reference = sections.pop("reference_facts")
    result["atc"] = [fact for fact in reference if fact["field"] == "atc"]
    for section in FACT_SECTIONS:
        result[section] = sections[section]
        attach_caveats(section, result[section], caveats)
    result["analogues"] = analogue_facts(conn, "drug_id", drug_id, sources)
    result["listed_as_analogue_of"] = analogue_facts(conn, "analogue_id", drug_id, sources)
    attach_caveats("analogues", result["analogues"] + result["listed_as_analogue_of"], caveats)
    result["sport"] = [fact for fact in reference if fact["field"] == "sport"]
    result["label"] = [fact for fact in reference if fact["field"] in ("label", "dispensing")]
    result["regulatory"] = [fact for fact in reference if fact["field"] in ("regulatory", "identity")]
    attach_caveats("reference_facts", result["atc"] + result["sport"] + result["label"] + result["regulatory"], caveats)
    # A caveat's links as far as this monograph goes: the drug itself and the facts shown here
    # (the caveat on Ceraxon's analogue list has 41 links; each analogue's page needs its own).
    shown = {(SHOWN_TABLES.get(key, key), fact["id"]) for key in SHOWN_TABLES for fact in result[key]}
    shown |= {(section, fact["id"]) for section in FACT_SECTIONS for fact in result[section]}
    result["caveats"] = [
        {
            **caveat,
            "links": [
                link
                for link in caveat["links"]
                if link["drug_id"] == drug_id or (link["fact_table"], link["fact_id"]) in shown
            ],
        }
        for caveat in caveats
    ]
    result["sources"] = cited_sources(result, sources)
    result["pages"] = cited_pages(result, sources)
    result["notice"] = NOTICE
    return result


def analogue_facts(
    conn: sqlite3.Connection, column: str, drug_id: str, sources: dict[str, sqlite3.Row]
) -> list[dict[str, Any]]:
    """Analogue listings where `column` (drug_id: listed for; analogue_id: listed as) is the drug."""
    rows = conn.execute(
        "SELECT a.*, d.name AS drug_name, x.name AS analogue_name FROM analogues a "
        f"JOIN drugs d ON d.id = a.drug_id JOIN drugs x ON x.id = a.analogue_id WHERE a.{column} = ? "
        "ORDER BY a.source_id, a.line, a.rowid",
        [drug_id],
    )
    facts = []
    for row in rows:
        fact = fact_record(row, "analogues", sources)
        fact["drug_id"] = row["drug_id"]
        fact["drug_name"] = row["drug_name"]
        fact["analogue_name"] = row["analogue_name"]
        fact["dosage_form"] = fact["text"]
        facts.append(fact)
    return facts


def cited_pages(result: dict[str, Any], sources: dict[str, sqlite3.Row]) -> list[dict[str, Any]]:
    """Every public page a fact of the monograph cites, once, with its title and URL."""
    keys = {
        citation["id"]
        for value in result.values()
        if isinstance(value, list)
        for fact in value
        if isinstance(fact, dict)
        for citation in fact.get("citations") or []
    }
    return [
        {"id": key, "title": sources[key]["title"], "url": sources[key]["url"], "grade": sources[key]["grade"]}
        for key in sorted(keys, key=lambda key: (len(key), key))
    ]


def cited_sources(result: dict[str, Any], sources: dict[str, sqlite3.Row]) -> list[dict[str, Any]]:
    lines: dict[str, set[int]] = {}
    for value in result.values():
        if isinstance(value, list):
            for fact in value:
                if isinstance(fact, dict) and "quote" in fact:
                    lines.setdefault(fact["source"]["id"], set()).add(fact["source"]["line"])
    return [
        {
            "id": source_id,
            "title": sources[source_id]["title"],
            "kind": sources[source_id]["kind"],
            "file": sources[source_id]["file"],
            "lines": sorted(found),
        }
        for source_id, found in sorted(lines.items())
    ]


def drug_classes(conn: sqlite3.Connection, drug_id: str, sources: dict[str, sqlite3.Row]) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT c.id, c.name, dc.source_id, dc.line, dc.quote "
        "FROM drug_classes dc JOIN classes c ON c.id = dc.class_id "
        "WHERE dc.drug_id = ? ORDER BY c.name",
        [drug_id],
    ).fetchall()
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "path": class_path(conn, row["id"]),
            "quote": row["quote"],
            "source": cite(sources, row["source_id"], row["line"]),
        }
        for row in rows
    ]
