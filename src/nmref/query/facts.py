"""Fact records: every fact with its verbatim quote and its source, ready for JSON."""

import functools
import sqlite3
from collections.abc import Iterable
from typing import Any

# Sections of a monograph backed by a fact table, in the order a reader wants them.
FACT_SECTIONS = (
    "ingredients",
    "forms",
    "indications",
    "contraindications",
    "adverse_effects",
    "interactions",
    "label_dosing",
)
# Every table of facts with a drug, a text and a quote: what `nmref search` searches.
SEARCHED_SECTIONS = (*FACT_SECTIONS, "analogues", "reference_facts", "caveats")
# Columns of each fact table beyond the shared ones, passed through as they are.
EXTRA_FIELDS = {
    "ingredients": ("ingredient_drug_id",),
    "indications": ("context",),
    "contraindications": ("severity", "context"),
    "adverse_effects": ("frequency",),
    "interactions": ("other_name", "other_drug_id", "other_ingredient", "category"),
    "analogues": ("analogue_id",),
    "reference_facts": ("field",),
    "caveats": ("kind", "drug_id", "other_drug_id", "fact_table", "fact_id"),
}
NOTICE = (
    "Quoted from promotional web articles and checked reference notes, not from official labels. "
    "Doses are quoted from the source, not calculated or checked."
)
CATEGORY_NOTE = "category assigned by a person from the source's wording"


@functools.lru_cache(maxsize=8)
def source_rows(conn: sqlite3.Connection) -> dict[str, sqlite3.Row]:
    return {row["id"]: row for row in conn.execute("SELECT id, kind, title, file, url FROM sources")}


def cite(sources: dict[str, sqlite3.Row], source_id: str, line: int) -> dict[str, Any]:
    source = sources[source_id]
    return {"id": source_id, "title": source["title"], "kind": source["kind"], "line": line}


def fact_record(row: sqlite3.Row, table: str, sources: dict[str, sqlite3.Row]) -> dict[str, Any]:
    keys = row.keys()
    fact: dict[str, Any] = {"id": row["id"] if "id" in keys else None, "text": row["text"] if "text" in keys else None}
    for name in EXTRA_FIELDS.get(table, ()):
        fact[name] = row[name]
    fact["quote"] = row["quote"]
    fact["source"] = cite(sources, row["source_id"], row["line"])
    if "defect" in keys:
        fact["defect"] = {"kind": row["defect"], "note": row["note"]} if row["defect"] else None
    if "citations" in keys:
        fact["citations"] = [
            {"id": key, "title": sources[key]["title"], "url": sources[key]["url"]}
            for key in (row["citations"] or "").split()
        ]
    return fact


def fact_records(
    conn: sqlite3.Connection, table: str, where: str, params: Iterable[Any], sources: dict[str, sqlite3.Row]
) -> list[dict[str, Any]]:
    rows = conn.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY source_id, line, rowid", list(params))
    return [fact_record(row, table, sources) for row in rows]


def drug_header(conn: sqlite3.Connection, drug_id: str, sources: dict[str, sqlite3.Row]) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM drugs WHERE id = ?", [drug_id]).fetchone()
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "quote": row["quote"],
        "source": cite(sources, row["source_id"], row["line"]),
    }


def matched_name(match: dict[str, Any]) -> dict[str, Any]:
    return {"query": match["query"], "name": match["matched_name"], "kind": match["matched_kind"]}


def caveats_for(conn: sqlite3.Connection, drug_ids: list[str], sources: dict[str, sqlite3.Row]) -> list[dict[str, Any]]:
    marks = ", ".join("?" * len(drug_ids))
    return fact_records(conn, "caveats", f"drug_id IN ({marks}) OR other_drug_id IN ({marks})", drug_ids * 2, sources)


def attach_caveats(section: str, facts: list[dict[str, Any]], caveats: list[dict[str, Any]]) -> None:
    for fact in facts:
        fact["caveat_ids"] = [c["id"] for c in caveats if c["fact_table"] == section and c["fact_id"] == fact["id"]]


def list_sources(conn: sqlite3.Connection) -> dict[str, Any]:
    counts: dict[str, int] = {}
    tables = ["drugs", "drug_names", "classes", "drug_classes", *SEARCHED_SECTIONS]
    for table in tables:
        for row in conn.execute(f"SELECT source_id, count(*) FROM {table} GROUP BY source_id"):
            counts[row[0]] = counts.get(row[0], 0) + row[1]
    cited: dict[str, int] = {}
    for table in ("drug_names", "ingredients", "reference_facts", "caveats"):
        for (citations,) in conn.execute(f"SELECT citations FROM {table} WHERE citations IS NOT NULL"):
            for key in citations.split():
                cited[key] = cited.get(key, 0) + 1
    rows = conn.execute("SELECT * FROM sources ORDER BY kind = 'reference', rowid").fetchall()
    return {
        "command": "sources",
        "sources": [
            {
                "id": row["id"],
                "kind": row["kind"],
                "title": row["title"],
                "file": row["file"],
                "url": row["url"],
                "sha256": row["sha256"],
                "facts": counts.get(row["id"], 0),
                "citations": cited.get(row["id"], 0),
            }
            for row in rows
        ],
        "notice": NOTICE,
    }
