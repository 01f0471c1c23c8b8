"""Drug names: what a typed name means, "did you mean", and completion."""

import difflib
import sqlite3
from collections.abc import Iterable
from typing import Any, TypeVar

from nmref.errors import NotFound
from nmref.names import class_key, normalize

T = TypeVar("T")

SUGGESTIONS = 5
SUGGESTION_CUTOFF = 0.6
SUGGESTION_SPREAD = 0.15
# How many names the trigrams chosen for a suggestion may hold between them: recall against
# time, measured by scripts/bench.py at 94,000 names.
TRIGRAM_POSTINGS = 2000
# Keys under three letters have no trigram; names starting with them are candidates instead.
SHORT_KEY_CANDIDATES = 64
# A typed name longer than this is no misspelling of a drug name: no suggestions are looked for,
# which bounds the work one name can cause (one query per distinct trigram).
SUGGESTION_MAX_KEY = 100


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
    if not key or len(key) > SUGGESTION_MAX_KEY:
        return []  # nothing to go on, or longer than any name: no unbounded trigram work
    if len(key) >= 3:
        trigrams = rarest_trigrams(conn, key)
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
    suggestions: dict[str, str] = {}
    for drug, name in ranked(key, ((row["key"], (row["drug"], row["name"])) for row in rows), SUGGESTION_CUTOFF):
        if len(suggestions) == limit:
            break
        suggestions.setdefault(drug, drug if normalize(name) == normalize(drug) else f"{drug} ({name})")
    return list(suggestions.values())


def ranked(key: str, candidates: Iterable[tuple[str, T]], cutoff: float) -> list[T]:
    """The items whose text is at least `cutoff` similar to `key`, best first (ties by item),
    leaving out those far weaker than the best: noise ("Meclofenoxate" for "mildornate").
    Shared by drug and condition suggestions."""
    matcher = difflib.SequenceMatcher(b=key)
    scored = []
    for text, item in candidates:
        matcher.set_seq1(text)
        # The cheap upper bounds first, as difflib.get_close_matches does.
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            score = matcher.ratio()
            if score >= cutoff:
                scored.append((score, item))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    floor = scored[0][0] - SUGGESTION_SPREAD if scored else 1.0
    return [item for score, item in scored if score >= floor]


def rarest_trigrams(conn: sqlite3.Connection, key: str) -> list[str]:
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


def complete_class_names(conn: sqlite3.Connection, prefix: str, limit: int = 50) -> list[str]:
    """Class names and aliases starting with `prefix` (case and a plural forgiven)."""
    key = class_key(prefix) if prefix else ""
    rows = conn.execute(
        "SELECT name FROM class_names WHERE key >= ? AND key < ? ORDER BY key LIMIT ?",
        [key, key + "\U0010ffff", limit],
    ).fetchall()
    return [row["name"] for row in rows]
