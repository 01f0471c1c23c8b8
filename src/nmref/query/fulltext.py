"""Full-text search over every fact, and the drugs for a condition."""

import re
import sqlite3
from typing import Any

from nmref.errors import NotFound, NothingMatches, quoted
from nmref.query.facts import EVIDENCE, NOTICE, caveats_of_facts, cite, fact_records, source_rows
from nmref.query.names import SUGGESTIONS, ranked

# Compiled on first use by re's cache: a lookup by name never needs it.
WORD = r"[^\W_]+"


def words(text: str) -> list[str]:
    """The words of `text` as the full-text index sees them: letters and digits only."""
    return re.findall(WORD, text)


def match_expression(terms: list[str], columns: str = "text quote") -> str:
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
    sources = source_rows(conn)
    rows = conn.execute(
        "SELECT section, fact_id, drug_id, d.name AS drug_name, fact_search.text, "
        "highlight(fact_search, 4, char(1), char(2)) AS marked "
        "FROM fact_search LEFT JOIN drugs d ON d.id = fact_search.drug_id WHERE fact_search MATCH ? ORDER BY rank",
        [match_expression(terms)],
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
                "source": cite(sources, fact["source_id"], fact["line"]),
                "evidence": EVIDENCE[sources[fact["source_id"]]["kind"]],
            }
        )
    # A caveat hit is the caveat itself; every other hit carries the caveats that qualify it.
    facts = [(hit["section"], hit) for hit in hits if hit["section"] != "caveats"]
    caveats = caveats_of_facts(conn, facts, sources)
    for hit in hits:
        hit.setdefault("caveat_ids", [])
    return {"command": "search", "query": text, "hits": hits, "caveats": caveats}


# A condition suggestion must be closer than a drug name's: "cancer" is not "care", nor
# "migraine" "brain" (ratios 0.6), while "strke" is "stroke" (0.91).
CONDITION_SUGGESTION_CUTOFF = 0.75
# Words of a condition shorter than this are not suggested alone ("care", "gait").
CONDITION_WORD_LENGTH = 5


def suggest_conditions(conn: sqlite3.Connection, wanted: str) -> list[str]:
    """Conditions close to `wanted`, best first; far weaker ones than the best are left out."""
    vocabulary = condition_vocabulary(conn)
    return ranked(wanted, zip(vocabulary, vocabulary, strict=True), CONDITION_SUGGESTION_CUTOFF)[:SUGGESTIONS]


def condition_vocabulary(conn: sqlite3.Connection) -> list[str]:
    """What `for` may suggest: the conditions as the indications name them (the wording before a
    parenthesis, each part of a list) and their longer words."""
    phrases = set()
    for (text,) in conn.execute("SELECT text FROM indications"):
        for part in re.split(r"[,;]| and ", text.split("(")[0]):
            if part.strip():
                phrases.add(" ".join(words(part.casefold())))
    return sorted(
        phrases | {word for phrase in phrases for word in phrase.split() if len(word) >= CONDITION_WORD_LENGTH}
    )


def for_condition(conn: sqlite3.Connection, condition: str) -> dict[str, Any]:
    """Drugs whose indications mention every word of `condition`, grouped by drug."""
    terms = words(condition)
    sources = source_rows(conn)
    ids = []
    if terms:
        ids = [
            row["fact_id"]
            for row in conn.execute(
                "SELECT fact_id FROM fact_search WHERE fact_search MATCH ? AND section = 'indications' ORDER BY rank",
                # The curator's wording names the condition; a quote may mention it in passing.
                [match_expression(terms, columns="text")],
            )
        ]
    if not ids:
        wanted = " ".join(terms).casefold() or condition
        raise NotFound("condition", condition, suggest_conditions(conn, wanted))
    marks = ", ".join("?" * len(ids))
    facts = fact_records(conn, "indications", f"id IN ({marks})", ids, sources)
    drug_ids, names = {}, {}
    for row in conn.execute(
        f"SELECT i.id, i.drug_id, d.name FROM indications i JOIN drugs d ON d.id = i.drug_id WHERE i.id IN ({marks})",
        ids,
    ):
        drug_ids[row["id"]] = row["drug_id"]
        names[row["drug_id"]] = row["name"]
    caveats = caveats_of_facts(conn, [("indications", fact) for fact in facts], sources)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for fact in facts:
        grouped.setdefault(drug_ids[fact["id"]], []).append(fact)
    drugs = [
        {
            "id": drug_id,
            "name": names[drug_id],
            "indications": [fact for fact in found if fact["basis"] == "stated-use"],
            "claimed_effects": [fact for fact in found if fact["basis"] != "stated-use"],
        }
        for drug_id, found in grouped.items()
    ]
    # Stated uses first: a drug the sources only make claims for comes after every drug they use for it.
    drugs.sort(key=lambda drug: (not drug["indications"], drug["name"].casefold()))
    return {
        "command": "for",
        "condition": condition,
        "drugs": drugs,
        "caveats": caveats,
        "notice": NOTICE,
    }
