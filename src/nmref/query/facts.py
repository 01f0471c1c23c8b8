"""Fact records: every fact with its verbatim quote and its source, ready for JSON."""

import functools
import sqlite3
from collections.abc import Iterable
from typing import Any

from nmref.errors import DatabaseUnavailable

# Sections of a monograph backed by a fact table, in the order a reader wants them.
FACT_SECTIONS = (
    "ingredients",
    "forms",
    "indications",
    "contraindications",
    "precautions",
    "interactions",
    "adverse_effects",
    "label_dosing",
)
# Every table of facts with a drug, a text and a quote: what `nmref search` searches.
SEARCHED_SECTIONS = (*FACT_SECTIONS, "analogues", "reference_facts", "caveats")
# Sections whose facts from the notes (labels, references) reach every product containing the drug.
INHERITED_SECTIONS = ("contraindications", "precautions", "interactions", "adverse_effects", "reference_facts")
# Columns of each fact table beyond the shared ones, passed through as they are.
EXTRA_FIELDS = {
    "ingredients": ("ingredient_drug_id",),
    "indications": ("basis", "context"),
    "contraindications": ("severity", "context"),
    "adverse_effects": ("frequency",),
    "interactions": (
        "drug_id",
        "other_name",
        "other_drug_id",
        "other_ingredient",
        "other_class_id",
        "category",
        "label_words",
    ),
    "precautions": ("topic",),
    "analogues": ("analogue_id",),
    "reference_facts": ("field",),
    "caveats": ("kind", "scope"),
}
# The kind of evidence a fact is, from its source's kind.
EVIDENCE = {
    "promotional-article": "promotional-article",
    "label-notes": "official-label",
    "reference-notes": "other-reference",
}
NOTICE = (
    "Quoted from promotional web articles, and from our checked notes on official labels and other "
    "public references (each fact says which kind of evidence it is, and cites its pages). "
    "Doses are quoted from the source, not calculated or checked."
)
# A page's grade that makes a label-notes fact resting only on it no label fact (sources.grade).
NOT_A_LABEL = "not-a-label"
CATEGORY_NOTE = "category assigned by a person from the source's wording"


class Sources(dict[str, sqlite3.Row]):
    """The sources by id. A fact naming a source the database lacks means the database is
    damaged or not nmref's: a one-line database error, never a KeyError."""

    def __missing__(self, source_id: str) -> sqlite3.Row:
        raise DatabaseUnavailable(f"a fact names source {source_id!r}, which the database lacks; rebuild it")


@functools.lru_cache(maxsize=8)
def source_rows(conn: sqlite3.Connection) -> dict[str, sqlite3.Row]:
    return Sources((row["id"], row) for row in conn.execute("SELECT id, kind, title, file, url, grade FROM sources"))


def cite(sources: dict[str, sqlite3.Row], source_id: str, line: int) -> dict[str, Any]:
    source = sources[source_id]
    # Titles are listed once per payload (a monograph's `sources` and `pages`, or `nmref sources`),
    # not with every fact: they were a quarter of the bytes a batch writes.
    return {"id": source_id, "kind": source["kind"], "line": line}


def fact_record(row: sqlite3.Row, table: str, sources: dict[str, sqlite3.Row]) -> dict[str, Any]:
    keys = row.keys()
    fact: dict[str, Any] = {"id": row["id"] if "id" in keys else None, "text": row["text"] if "text" in keys else None}
    for name in EXTRA_FIELDS.get(table, ()):
        fact[name] = row[name]
    fact["quote"] = row["quote"]
    fact["source"] = cite(sources, row["source_id"], row["line"])
    fact["evidence"] = EVIDENCE[sources[row["source_id"]]["kind"]]
    if "defect" in keys:
        fact["defect"] = {"kind": row["defect"], "note": row["note"]} if row["defect"] else None
    if "citations" in keys:
        cited = (row["citations"] or "").split()
        fact["citations"] = [{"id": key, "url": sources[key]["url"]} for key in cited]
        if (
            fact["evidence"] == "official-label"
            and cited
            and all(sources[key]["grade"] == NOT_A_LABEL for key in cited)
        ):
            # A fact the notes file under labels but whose every page is not a label is not a
            # label fact: it is shown as the other reference it is.
            fact["evidence"] = "other-reference"
    return fact


def fact_records(
    conn: sqlite3.Connection, table: str, where: str, params: Iterable[Any], sources: dict[str, sqlite3.Row]
) -> list[dict[str, Any]]:
    rows = conn.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY source_id, line, rowid", list(params))
    return [fact_record(row, table, sources) for row in rows]


def statement_key(fact: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two fact records one statement: the same words from the same line of the same
    document. A label line that names members of two classes is filed as one row per class (so
    that each class reaches its members); `check` reports it once per pair, and a page draws it
    once."""
    return (fact["source"]["id"], fact["source"]["line"], fact.get("other_name"), fact["text"])


def drug_header(conn: sqlite3.Connection, drug_id: str, sources: dict[str, sqlite3.Row]) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM drugs WHERE id = ?", [drug_id]).fetchone()
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "description": row["description"],
        "quote": row["quote"],
        "source": cite(sources, row["source_id"], row["line"]),
    }


def matched_name(match: dict[str, Any]) -> dict[str, Any]:
    return {"query": match["query"], "name": match["matched_name"], "kind": match["matched_kind"]}


def caveats_for(conn: sqlite3.Connection, drug_ids: list[str], sources: dict[str, sqlite3.Row]) -> list[dict[str, Any]]:
    """The caveats linked to any of these drugs, each with all its links (drug, and fact if any)."""
    marks = ", ".join("?" * len(drug_ids))
    caveats = fact_records(
        conn, "caveats", f"id IN (SELECT caveat_id FROM caveat_links WHERE drug_id IN ({marks}))", drug_ids, sources
    )
    links: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(
        "SELECT caveat_id, drug_id, fact_table, fact_id FROM caveat_links "
        f"WHERE caveat_id IN (SELECT caveat_id FROM caveat_links WHERE drug_id IN ({marks})) ORDER BY rowid",
        drug_ids,
    ):
        links.setdefault(row["caveat_id"], []).append(
            {"drug_id": row["drug_id"], "fact_table": row["fact_table"], "fact_id": row["fact_id"]}
        )
    for caveat in caveats:
        caveat["links"] = links.get(caveat["id"], [])
    return caveats


def caveats_of_facts(
    conn: sqlite3.Connection, facts: list[tuple[str, dict[str, Any]]], sources: dict[str, sqlite3.Row]
) -> list[dict[str, Any]]:
    """The caveats that qualify any of these (table, fact) pairs; sets each fact's `caveat_ids`.

    For views that show facts outside their monograph (`for`, `search`, `check`), so that a
    caveat is shown beside every row it qualifies, wherever the row appears.
    """
    wanted = {(table, fact["id"]) for table, fact in facts}
    found = []
    if wanted:
        marks = ", ".join("(?, ?)" for _ in wanted)
        pairs = [value for pair in sorted(wanted) for value in pair]
        ids = [
            row[0]
            for row in conn.execute(
                f"SELECT DISTINCT caveat_id FROM caveat_links WHERE (fact_table, fact_id) IN (VALUES {marks})", pairs
            )
        ]
        if ids:
            drugs = [
                row[0]
                for row in conn.execute(
                    f"SELECT DISTINCT drug_id FROM caveat_links WHERE caveat_id IN ({', '.join('?' * len(ids))})", ids
                )
            ]
            found = [caveat for caveat in caveats_for(conn, drugs, sources) if caveat["id"] in ids]
    for table, fact in facts:
        fact["caveat_ids"] = [caveat["id"] for caveat in found if qualifies(caveat, table, fact["id"])]
    return found


def qualifies(caveat: dict[str, Any], section: str, fact_id: str | None) -> bool:
    return any(link["fact_table"] == section and link["fact_id"] == fact_id for link in caveat["links"])


def attach_caveats(section: str, facts: list[dict[str, Any]], caveats: list[dict[str, Any]]) -> None:
    for fact in facts:
        fact["caveat_ids"] = [c["id"] for c in caveats if qualifies(c, section, fact["id"])]


# Tables whose facts from the label notes rest on label versions (through the pages they cite).
LABEL_FACT_TABLES = ("indications", "contraindications", "precautions", "interactions", "adverse_effects")


def label_versions(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every official label version the label facts were read from, with its date or 'not given'."""
    return [
        {
            "id": row["id"],
            "drug_id": row["drug_id"],
            "country": row["country"],
            "document": row["document"],
            "holder": row["holder"],
            "dated": row["dated"],
            "read_on": row["read_on"],
            "pages": (row["citations"] or "").split(),
        }
        for row in conn.execute("SELECT * FROM label_versions ORDER BY drug_id, rowid")
    ]


def latest_possible(dated: str) -> str:
    """The latest day a partial date can mean: '2018' -> '2018-12-31', '2018-06' -> '2018-06-31'
    (compared as text, a day past the month's end is harmless)."""
    return dated + "-12-31"[len(dated) - 4 :] if len(dated) < 10 else dated


def stale_facts(conn: sqlite3.Connection, versions: list[dict[str, Any]], before: str | None) -> list[dict[str, Any]]:
    """Label facts resting only on undated label versions (or on none recorded), or, with
    `before`, only on versions that may all be older than that date."""
    by_page: dict[str, list[dict[str, Any]]] = {}
    for version in versions:
        for key in version["pages"]:
            by_page.setdefault(key, []).append(version)
    found = []
    for table in LABEL_FACT_TABLES:
        rows = conn.execute(
            f"SELECT t.id, t.drug_id, t.text, t.source_id, t.line, t.citations FROM {table} t "
            "JOIN sources s ON s.id = t.source_id WHERE s.kind = 'label-notes' ORDER BY t.drug_id, t.rowid"
        )
        for row in rows:
            resting = {v["id"]: v for key in (row["citations"] or "").split() for v in by_page.get(key, [])}
            dated = [v["dated"] for v in resting.values() if v["dated"] != "not given"]
            if not resting:
                why = "no label version recorded for its pages"
            elif not dated:
                why = "every label version it rests on is undated"
            elif before and all(latest_possible(day) < before for day in dated):
                why = f"every dated label version it rests on is older than {before}"
            else:
                continue
            found.append(
                {
                    "table": table,
                    "id": row["id"],
                    "drug_id": row["drug_id"],
                    "text": row["text"],
                    "source": {"id": row["source_id"], "line": row["line"]},
                    "versions": sorted(resting),
                    "why": why,
                }
            )
    return found


def list_sources(conn: sqlite3.Connection, stale: bool = False, before: str | None = None) -> dict[str, Any]:
    counts: dict[str, int] = {}
    tables = ["drugs", "drug_names", "classes", "drug_classes", *SEARCHED_SECTIONS]
    for table in tables:
        for row in conn.execute(f"SELECT source_id, count(*) FROM {table} GROUP BY source_id"):
            counts[row[0]] = counts.get(row[0], 0) + row[1]
    cited: dict[str, int] = {}
    for table in ("drug_names", "drug_classes", *SEARCHED_SECTIONS):
        if "citations" not in {column[1] for column in conn.execute(f"PRAGMA table_info({table})")}:
            continue
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
                "grade": row["grade"],
                "facts": counts.get(row["id"], 0),
                "citations": cited.get(row["id"], 0),
            }
            for row in rows
        ],
        "label_versions": (versions := label_versions(conn)),
        **({"stale": {"before": before, "facts": stale_facts(conn, versions, before)}} if stale or before else {}),
        "notice": NOTICE,
    }
