"""The query layer: opens the database read-only and returns plain dicts, ready for JSON.

Nothing here prints, and nothing here imports typer or rich. Every fact comes back with its
verbatim quote and its source (document, title and line), so any view can cite it.
"""

import difflib
import functools
import json
import os
import re
import sqlite3
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Any, NamedTuple

from nmref.errors import DatabaseUnavailable, NmrefError, NotFound, NothingMatches, quoted
from nmref.names import class_key, normalize

SCHEMA_VERSION = "2"
BUNDLED_DATABASE = Path(__file__).parent / "data" / "nmref.db"

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
WORD = re.compile(r"[^\W_]+")
SUGGESTIONS = 5
SUGGESTION_CUTOFF = 0.6
SUGGESTION_SPREAD = 0.15
# How many names the trigrams chosen for a suggestion may hold between them: recall against
# time, measured by scripts/bench.py at 94,000 names.
TRIGRAM_POSTINGS = 2000
# Keys under three letters have no trigram; names starting with them are candidates instead.
SHORT_KEY_CANDIDATES = 64


def database_path(override: str | os.PathLike[str] | None = None) -> Path:
    return Path(override or os.environ.get("NMREF_DB") or BUNDLED_DATABASE)


def connect(override: str | os.PathLike[str] | None = None) -> sqlite3.Connection:
    """Open the database read-only, or raise DatabaseUnavailable saying why not.

    A missing path is never created: the URI says mode=ro, and the path is checked first so
    the message can say what is wrong instead of SQLite's "unable to open".
    """
    path = database_path(override)
    if not path.exists():
        raise DatabaseUnavailable(f"database not found: {path}")
    if not path.is_file():
        raise DatabaseUnavailable(f"database path is not a file: {path}")
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA query_only = ON")
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as error:
        raise DatabaseUnavailable(f"{path} is not a readable nmref database ({error})") from None
    if row is None or row[0] != SCHEMA_VERSION:
        found = "none" if row is None else row[0]
        raise DatabaseUnavailable(f"{path} has schema version {found}; this nmref reads version {SCHEMA_VERSION}")
    return conn


def data_fingerprint(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'data_fingerprint'").fetchone()
    return row[0] if row else "unknown"


# --- names ------------------------------------------------------------------------------------


def resolve_drug(conn: sqlite3.Connection, query: str) -> dict[str, Any]:
    """The drug a typed name means, and which of its names matched; NotFound otherwise."""
    row = conn.execute(
        "SELECT d.id, d.name, n.name AS matched, n.kind FROM drug_names n JOIN drugs d ON d.id = n.drug_id "
        "WHERE n.key = ?",
        [normalize(query)],
    ).fetchone()
    if row is None:
        raise NotFound("drug", query, suggest_drugs(conn, query))
    return {
        "query": query,
        "id": row["id"],
        "name": row["name"],
        "matched_name": row["matched"],
        "matched_kind": row["kind"],
    }


def suggest_drugs(conn: sqlite3.Connection, query: str, limit: int = SUGGESTIONS) -> list[str]:
    """Up to `limit` drug names close to `query`, best first.

    Candidates are the names that share one of the query's rarest trigrams and are about as
    long, so a lookup reads a bounded number of names however many there are; they are then
    ranked by similarity.
    """
    key = normalize(query)
    if not key:
        return []
    if len(key) >= 3:
        trigrams = _rarest_trigrams(conn, key)
        slack = max(2, len(key) // 4)  # a typo adds or drops a few letters, not half the name
        rows = (
            conn.execute(
                "SELECT n.key, n.name, d.name AS drug FROM name_trigrams t "
                "JOIN drug_names n ON n.rowid = t.rowid JOIN drugs d ON d.id = n.drug_id "
                "WHERE name_trigrams MATCH ? AND length(n.key) BETWEEN ? AND ?",
                [" OR ".join(f'"{trigram}"' for trigram in trigrams), len(key) - slack, len(key) + slack],
            ).fetchall()
            if trigrams
            else []
        )
    else:
        rows = conn.execute(
            "SELECT n.key, n.name, d.name AS drug FROM drug_names n JOIN drugs d ON d.id = n.drug_id "
            "WHERE n.key >= ? AND n.key < ? LIMIT ?",
            [key, key + "\U0010ffff", SHORT_KEY_CANDIDATES],
        ).fetchall()
    matcher = difflib.SequenceMatcher(b=key)
    scored = []
    for row in rows:
        matcher.set_seq1(row["key"])
        # The cheap upper bounds first, as difflib.get_close_matches does.
        if matcher.real_quick_ratio() >= SUGGESTION_CUTOFF and matcher.quick_ratio() >= SUGGESTION_CUTOFF:
            scored.append((matcher.ratio(), row["drug"], row["name"]))
    scored.sort(key=lambda item: (-item[0], item[1]))
    # Far weaker candidates than the best one are noise ("Meclofenoxate" for "mildornate").
    floor = max(SUGGESTION_CUTOFF, scored[0][0] - SUGGESTION_SPREAD) if scored else SUGGESTION_CUTOFF
    suggestions: dict[str, str] = {}
    for score, drug, name in scored:
        if score < floor or len(suggestions) == limit:
            break
        suggestions.setdefault(drug, drug if normalize(name) == normalize(drug) else f"{drug} ({name})")
    return list(suggestions.values())


def _rarest_trigrams(conn: sqlite3.Connection, key: str) -> list[str]:
    """The key's rarest trigrams, as many as TRIGRAM_POSTINGS bounds the names holding them.

    A typo spoils at most four trigrams of a name; the rare ones that survive still point to it.
    """
    counted = []
    # One statement a trigram: fts5vocab answers `term = ?` from the index but scans for `IN`.
    for trigram in {key[i : i + 3] for i in range(len(key) - 2)}:
        row = conn.execute("SELECT doc FROM name_trigram_counts WHERE term = ?", [trigram]).fetchone()
        if row:
            counted.append((row[0], trigram))
    chosen, total = [], 0
    for count, trigram in sorted(counted):
        if chosen and total + count > TRIGRAM_POSTINGS:
            break
        chosen.append(trigram)
        total += count
    return chosen


def complete_drug_names(conn: sqlite3.Connection, prefix: str, limit: int = 50) -> list[str]:
    key = normalize(prefix)
    rows = conn.execute(
        "SELECT name FROM drug_names WHERE key >= ? AND key < ? ORDER BY kind != 'canonical', key LIMIT ?",
        [key, key + "\U0010ffff", limit],
    ).fetchall()
    return [row["name"] for row in rows]


# --- facts ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _sources(conn: sqlite3.Connection) -> dict[str, sqlite3.Row]:
    return {row["id"]: row for row in conn.execute("SELECT id, kind, title, file, url FROM sources")}


def _cite(sources: dict[str, sqlite3.Row], source_id: str, line: int) -> dict[str, Any]:
    source = sources[source_id]
    return {"id": source_id, "title": source["title"], "kind": source["kind"], "line": line}


def _fact(row: sqlite3.Row, table: str, sources: dict[str, sqlite3.Row]) -> dict[str, Any]:
    keys = row.keys()
    fact: dict[str, Any] = {"id": row["id"] if "id" in keys else None, "text": row["text"] if "text" in keys else None}
    for name in EXTRA_FIELDS.get(table, ()):
        fact[name] = row[name]
    fact["quote"] = row["quote"]
    fact["source"] = _cite(sources, row["source_id"], row["line"])
    if "defect" in keys:
        fact["defect"] = {"kind": row["defect"], "note": row["note"]} if row["defect"] else None
    if "citations" in keys:
        fact["citations"] = [
            {"id": key, "title": sources[key]["title"], "url": sources[key]["url"]}
            for key in (row["citations"] or "").split()
        ]
    return fact


def _facts(
    conn: sqlite3.Connection, table: str, where: str, params: Iterable[Any], sources: dict[str, sqlite3.Row]
) -> list[dict[str, Any]]:
    rows = conn.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY source_id, line, rowid", list(params))
    return [_fact(row, table, sources) for row in rows]


def _drug_header(conn: sqlite3.Connection, drug_id: str, sources: dict[str, sqlite3.Row]) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM drugs WHERE id = ?", [drug_id]).fetchone()
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "quote": row["quote"],
        "source": _cite(sources, row["source_id"], row["line"]),
    }


def _matched(match: dict[str, Any]) -> dict[str, Any]:
    return {"query": match["query"], "name": match["matched_name"], "kind": match["matched_kind"]}


def caveats_for(conn: sqlite3.Connection, drug_ids: list[str], sources: dict[str, sqlite3.Row]) -> list[dict[str, Any]]:
    marks = ", ".join("?" * len(drug_ids))
    return _facts(conn, "caveats", f"drug_id IN ({marks}) OR other_drug_id IN ({marks})", drug_ids * 2, sources)


def _attach_caveats(section: str, facts: list[dict[str, Any]], caveats: list[dict[str, Any]]) -> None:
    for fact in facts:
        fact["caveat_ids"] = [c["id"] for c in caveats if c["fact_table"] == section and c["fact_id"] == fact["id"]]


class Monograph(NamedTuple):
    """One lookup's monograph: which name matched, and the drug's facts as compiled by the build.

    `body` is the JSON object text stored in the monographs table, kept encoded so that a batch
    can write it out without decoding and encoding it again. (A NamedTuple: importing
    dataclasses would cost every start-up about 2 ms.)
    """

    matched: dict[str, Any]
    body: str

    def head(self) -> dict[str, Any]:
        """The members that come before the body's."""
        return {"command": "show", "matched": self.matched}

    def to_dict(self) -> dict[str, Any]:
        return {**self.head(), **json.loads(self.body)}


def monograph(conn: sqlite3.Connection, query: str) -> Monograph:
    """Everything the sources say about one drug, each fact with its quote and source line."""
    # One statement for the name and the body: a batch pays for it once per name.
    row = conn.execute(
        "SELECT n.name, n.kind, m.body FROM drug_names n JOIN monographs m ON m.drug_id = n.drug_id WHERE n.key = ?",
        [normalize(query)],
    ).fetchone()
    if row is None:
        match = resolve_drug(conn, query)  # NotFound, with suggestions, unless the monograph is what is missing
        raise DatabaseUnavailable(f"the database has no compiled monograph for {match['name']}; rebuild it")
    return Monograph({"query": query, "name": row["name"], "kind": row["kind"]}, row["body"])


def compile_monograph(conn: sqlite3.Connection, drug_id: str) -> dict[str, Any]:
    """A drug's monograph from the fact tables: what the build stores for `monograph` to read."""
    sources = _sources(conn)
    caveats = caveats_for(conn, [drug_id], sources)
    result: dict[str, Any] = {
        "drug": _drug_header(conn, drug_id, sources),
        "names": [
            {
                "name": row["name"],
                "kind": row["kind"],
                "quote": row["quote"],
                "source": _cite(sources, row["source_id"], row["line"]),
            }
            for row in conn.execute(
                "SELECT * FROM drug_names WHERE drug_id = ? ORDER BY kind != 'canonical', kind, name", [drug_id]
            )
        ],
        "classes": drug_classes(conn, drug_id, sources),
    }
    reference = _facts(conn, "reference_facts", "drug_id = ?", [drug_id], sources)
    result["atc"] = [fact for fact in reference if fact["field"] == "atc"]
    for section in FACT_SECTIONS:
        result[section] = _facts(conn, section, "drug_id = ?", [drug_id], sources)
        _attach_caveats(section, result[section], caveats)
    result["analogues"] = _analogue_facts(conn, "drug_id", drug_id, sources)
    result["listed_as_analogue_of"] = _analogue_facts(conn, "analogue_id", drug_id, sources)
    _attach_caveats("analogues", result["analogues"] + result["listed_as_analogue_of"], caveats)
    result["regulatory"] = [fact for fact in reference if fact["field"] != "atc"]
    _attach_caveats("reference_facts", result["atc"] + result["regulatory"], caveats)
    result["caveats"] = caveats
    result["sources"] = _cited_sources(result, sources)
    result["notice"] = NOTICE
    return result


def _analogue_facts(
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
        fact = _fact(row, "analogues", sources)
        fact["drug_id"] = row["drug_id"]
        fact["drug_name"] = row["drug_name"]
        fact["analogue_name"] = row["analogue_name"]
        fact["dosage_form"] = fact["text"]
        facts.append(fact)
    return facts


def _cited_sources(result: dict[str, Any], sources: dict[str, sqlite3.Row]) -> list[dict[str, Any]]:
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
            "source": _cite(sources, row["source_id"], row["line"]),
        }
        for row in rows
    ]


def class_path(conn: sqlite3.Connection, class_id: str) -> list[str]:
    rows = conn.execute(
        "WITH RECURSIVE up(id, name, parent_id, depth) AS ("
        " SELECT id, name, parent_id, 0 FROM classes WHERE id = ?"
        " UNION ALL SELECT c.id, c.name, c.parent_id, up.depth + 1 FROM classes c JOIN up ON c.id = up.parent_id)"
        " SELECT name FROM up ORDER BY depth DESC",
        [class_id],
    ).fetchall()
    return [row["name"] for row in rows]


# The command that shows a section, where its name differs from the table's.
SECTION_COMMANDS = {"adverse_effects": "adverse-effects", "label_dosing": "dosing"}


def section(conn: sqlite3.Connection, query: str, name: str) -> dict[str, Any]:
    """One section of a monograph, with the caveats that concern it or the whole drug."""
    found = monograph(conn, query).to_dict()
    return {
        "command": SECTION_COMMANDS.get(name, name),
        "matched": found["matched"],
        "drug": found["drug"],
        "section": name,
        "facts": found[name],
        "caveats": [c for c in found["caveats"] if c["fact_table"] in (None, name)],
        "notice": NOTICE,
    }


# --- classes and lists ------------------------------------------------------------------------


def resolve_class(conn: sqlite3.Connection, query: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT c.* FROM class_names n JOIN classes c ON c.id = n.class_id WHERE n.key = ?", [class_key(query)]
    ).fetchone()
    if row is None:
        names = [r["name"] for r in conn.execute("SELECT name FROM class_names ORDER BY name")]
        by_key = {class_key(name): name for name in names}
        close = difflib.get_close_matches(class_key(query), list(by_key), n=SUGGESTIONS, cutoff=SUGGESTION_CUTOFF)
        raise NotFound("class", query, [by_key[key] for key in close])
    return row


def class_members(conn: sqlite3.Connection, query: str) -> dict[str, Any]:
    """The drugs of a class and of every subclass below it."""
    found = resolve_class(conn, query)
    sources = _sources(conn)
    rows = conn.execute(
        "WITH RECURSIVE down(id) AS (SELECT ? UNION ALL SELECT c.id FROM classes c JOIN down ON c.parent_id = down.id) "
        "SELECT d.id, d.name, c.id AS class_id, c.name AS class_name, dc.source_id, dc.line, dc.quote "
        "FROM down JOIN drug_classes dc ON dc.class_id = down.id JOIN drugs d ON d.id = dc.drug_id "
        "JOIN classes c ON c.id = dc.class_id ORDER BY c.name = ? DESC, c.name, d.name",
        [found["id"], found["name"]],
    ).fetchall()
    return {
        "command": "class",
        "class": {"id": found["id"], "name": found["name"], "path": class_path(conn, found["id"])},
        "members": [
            {
                "id": row["id"],
                "name": row["name"],
                "class": {"id": row["class_id"], "name": row["class_name"]},
                "quote": row["quote"],
                "source": _cite(sources, row["source_id"], row["line"]),
            }
            for row in rows
        ],
    }


def class_tree(conn: sqlite3.Connection) -> dict[str, Any]:
    sources = _sources(conn)
    rows = conn.execute(
        "SELECT c.id, c.name, c.parent_id, c.source_id, c.line, c.quote, "
        "(SELECT count(*) FROM drug_classes dc WHERE dc.class_id = c.id) AS members FROM classes c ORDER BY c.name"
    ).fetchall()
    nodes = {
        row["id"]: {
            "id": row["id"],
            "name": row["name"],
            "members": row["members"],
            "quote": row["quote"],
            "source": _cite(sources, row["source_id"], row["line"]),
            "children": [],
        }
        for row in rows
    }
    roots = []
    for row in rows:
        (nodes[row["parent_id"]]["children"] if row["parent_id"] else roots).append(nodes[row["id"]])
    return {"command": "classes", "classes": roots}


def list_drugs(conn: sqlite3.Connection, class_query: str | None = None) -> dict[str, Any]:
    if class_query is None:
        rows = conn.execute("SELECT id, name, description FROM drugs ORDER BY name COLLATE NOCASE").fetchall()
        return {"command": "drugs", "class": None, "drugs": [dict(row) for row in rows]}
    members = class_members(conn, class_query)
    unique = {member["id"]: member for member in members["members"]}
    marks = ", ".join("?" * len(unique))
    descriptions = {
        row["id"]: row["description"]
        for row in conn.execute(f"SELECT id, description FROM drugs WHERE id IN ({marks})", list(unique))
    }
    return {
        "command": "drugs",
        "class": members["class"],
        "drugs": [
            {"id": drug_id, "name": member["name"], "description": descriptions[drug_id]}
            for drug_id, member in sorted(unique.items(), key=lambda item: item[1]["name"].casefold())
        ],
    }


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


# --- search -----------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """The words of `text` as the full-text index sees them: letters and digits only."""
    return WORD.findall(text)


def _match_expression(terms: list[str], columns: str = "text quote") -> str:
    # Each word is a quoted FTS5 string and holds only letters and digits, so no user text can
    # become query syntax (NEAR, *, -, column filters).
    return "{" + columns + "} : (" + " ".join(f'"{term}"' for term in terms) + ")"


def _highlights(marked: str) -> tuple[str, list[list[int]]]:
    """Strip FTS5 highlight markers from `marked`, returning the text and the marked spans."""
    plain, spans, start = [], [], 0
    for part in re.split("(\x01|\x02)", marked):
        if part == "\x01":
            start = sum(map(len, plain))
        elif part == "\x02":
            spans.append([start, sum(map(len, plain))])
        else:
            plain.append(part)
    return "".join(plain), spans


def search(conn: sqlite3.Connection, text: str) -> dict[str, Any]:
    """Every fact whose wording or quote holds all the words of `text`."""
    terms = words(text)
    if not terms:
        raise NothingMatches(f"no fact matches {quoted(text)}: it has no letters or digits to search for")
    sources = _sources(conn)
    rows = conn.execute(
        "SELECT section, fact_id, drug_id, d.name AS drug_name, fact_search.text, "
        "highlight(fact_search, 4, char(1), char(2)) AS marked "
        "FROM fact_search LEFT JOIN drugs d ON d.id = fact_search.drug_id WHERE fact_search MATCH ? ORDER BY rank",
        [_match_expression(terms)],
    ).fetchall()
    if not rows:
        raise NothingMatches(f"no fact matches {quoted(text)}")
    hits = []
    for row in rows:
        quote, spans = _highlights(row["marked"])
        fact = conn.execute(f"SELECT source_id, line FROM {row['section']} WHERE id = ?", [row["fact_id"]]).fetchone()
        hits.append(
            {
                # null for a caveat about a whole article rather than one drug
                "drug": {"id": row["drug_id"], "name": row["drug_name"]} if row["drug_id"] else None,
                "section": row["section"],
                "id": row["fact_id"],
                "text": row["text"],
                "quote": quote,
                "highlights": spans,
                "source": _cite(sources, fact["source_id"], fact["line"]),
            }
        )
    return {"command": "search", "query": text, "hits": hits}


def for_condition(conn: sqlite3.Connection, condition: str) -> dict[str, Any]:
    """Drugs whose indications mention every word of `condition`, grouped by drug."""
    terms = words(condition)
    sources = _sources(conn)
    ids = []
    if terms:
        ids = [
            row["fact_id"]
            for row in conn.execute(
                "SELECT fact_id FROM fact_search WHERE fact_search MATCH ? AND section = 'indications' ORDER BY rank",
                # The curator's wording names the condition; a quote may mention it in passing.
                [_match_expression(terms, columns="text")],
            )
        ]
    if not ids:
        vocabulary = sorted(
            {word.casefold() for (text,) in conn.execute("SELECT text FROM indications") for word in words(text)}
        )
        wanted = " ".join(terms).casefold() or condition
        close = difflib.get_close_matches(wanted, vocabulary, n=SUGGESTIONS, cutoff=SUGGESTION_CUTOFF)
        raise NotFound("condition", condition, close)
    marks = ", ".join("?" * len(ids))
    facts = _facts(conn, "indications", f"id IN ({marks})", ids, sources)
    drug_ids, names = {}, {}
    for row in conn.execute(
        f"SELECT i.id, i.drug_id, d.name FROM indications i JOIN drugs d ON d.id = i.drug_id WHERE i.id IN ({marks})",
        ids,
    ):
        drug_ids[row["id"]] = row["drug_id"]
        names[row["drug_id"]] = row["name"]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for fact in facts:
        grouped.setdefault(drug_ids[fact["id"]], []).append(fact)
    return {
        "command": "for",
        "condition": condition,
        "drugs": [
            {"id": drug_id, "name": names[drug_id], "indications": found}
            for drug_id, found in sorted(grouped.items(), key=lambda item: names[item[0]].casefold())
        ],
        "notice": NOTICE,
    }


# --- analogues and combinations ---------------------------------------------------------------


def _ingredients(
    conn: sqlite3.Connection, drug_id: str, sources: dict[str, sqlite3.Row]
) -> dict[str, list[dict[str, Any]]]:
    """A drug's active ingredients by normalised name, each with the facts that state it."""
    found: dict[str, list[dict[str, Any]]] = {}
    for fact in _facts(conn, "ingredients", "drug_id = ?", [drug_id], sources):
        found.setdefault(normalize(fact["text"]), []).append(fact)
    return found


def analogues(conn: sqlite3.Connection, query: str) -> dict[str, Any]:
    """The analogues a source lists for a drug, by dosage form, with ingredient and warnings."""
    match = resolve_drug(conn, query)
    sources = _sources(conn)
    listed = _analogue_facts(conn, "drug_id", match["id"], sources)
    own = _ingredients(conn, match["id"], sources)
    forms: dict[str, list[dict[str, Any]]] = {}
    for fact in listed:
        ingredients = _ingredients(conn, fact["analogue_id"], sources)
        fact["ingredients"] = sorted({facts[0]["text"] for facts in ingredients.values()})  # [] when unknown
        fact["same_ingredient"] = sorted({own[key][0]["text"] for key in ingredients if key in own})
        fact["warnings"] = [
            finding
            for finding in _pair_findings(conn, match["id"], fact["analogue_id"], sources)
            if finding["connection"] in ("direct", "via ingredient", "caveat")
        ]
        forms.setdefault(fact["dosage_form"], []).append(fact)
    return {
        "command": "analogues",
        "matched": _matched(match),
        "drug": _drug_header(conn, match["id"], sources),
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
    sources = _sources(conn)
    findings = []
    for first, second in combinations(unique, 2):
        findings.extend(_pair_findings(conn, first["id"], second["id"], sources))
    return {
        "command": "check",
        "drugs": [{"id": m["id"], "name": m["name"], "matched": _matched(m)} for m in resolved],
        "findings": findings,
        "statement": None
        if findings
        else "The sources state no interaction between these drugs. This is not evidence that the combination is safe.",
        "notice": NOTICE,
    }


def _pair_findings(
    conn: sqlite3.Connection, first: str, second: str, sources: dict[str, sqlite3.Row]
) -> list[dict[str, Any]]:
    names = {
        row["id"]: row["name"] for row in conn.execute("SELECT id, name FROM drugs WHERE id IN (?, ?)", [first, second])
    }
    ingredients = {drug: _ingredients(conn, drug, sources) for drug in (first, second)}
    ingredient_drugs = {
        drug: {fact["ingredient_drug_id"] for facts in found.values() for fact in facts if fact["ingredient_drug_id"]}
        for drug, found in ingredients.items()
    }
    findings = []
    for drug, other in ((first, second), (second, first)):
        for fact in _facts(conn, "interactions", "drug_id = ?", [drug], sources):
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
    for caveat in _facts(
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
