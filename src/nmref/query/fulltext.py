"""Full-text search over every fact, and the drugs for a condition."""

import re
import sqlite3
from typing import Any

from nmref.errors import NothingMatches, quoted
from nmref.query.conditions import describe, linked_facts, reach, resolve_condition
from nmref.query.facts import EVIDENCE, NOTICE, caveats_of_facts, cite, fact_records, source_rows

# Compiled on first use by re's cache: a lookup by name never needs it.
WORD = r"[^\W_]+"


# At most this many distinct words are searched for: a query is a few words, and each word adds
# to the full-text expression (8,000 copies of one word took seconds).
MAX_WORDS = 20


def words(text: str) -> list[str]:
    """The distinct words of `text` as the full-text index sees them (letters and digits only),
    the first MAX_WORDS of them."""
    distinct: dict[str, None] = {}
    for word in re.finditer(WORD, text):
        distinct.setdefault(word[0].casefold(), None)
        if len(distinct) == MAX_WORDS:
            break
    return list(distinct)


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


def for_condition(conn: sqlite3.Connection, condition: str) -> dict[str, Any]:
    """Drugs whose indications name a condition (in English, Russian or by ICD-10 code), grouped
    by drug: label indications first, then the articles' stated uses; claimed effects apart.

    The condition is resolved by the one condition resolver; an indication linked to a narrower
    or broader concept comes too, marked with how it was reached. Each drug also carries its
    contraindications linked to the same concepts: a use never reads as safe where a label or
    article of the same drug contraindicates it."""
    resolved = resolve_condition(conn, condition)
    reached = reach(conn, [concept["id"] for concept in resolved["concepts"]])
    linked = linked_facts(conn, ("indications",), reached)
    sources = source_rows(conn)
    ids = [fact_id for (_, fact_id) in linked]
    facts = fact_records(conn, "indications", f"id IN ({', '.join('?' * len(ids))})", ids, sources) if ids else []
    # How a drug moves in the body (absorbed, metabolised in the liver) names an organ, not a use:
    # it belongs to a drug's page, not to what the drug is given for.
    facts = [fact for fact in facts if fact["basis"] != "pharmacology"]
    for fact in facts:
        fact["reached"] = linked[("indications", fact["id"])]["reached"]
    owner_of = {fact["id"]: linked[("indications", fact["id"])]["drug_id"] for fact in facts}
    drug_ids = sorted(set(owner_of.values()))
    drug_names = dict(
        conn.execute(f"SELECT id, name FROM drugs WHERE id IN ({', '.join('?' * len(drug_ids))})", drug_ids)
    )
    owners = {fact_id: (drug_id, drug_names[drug_id]) for fact_id, drug_id in owner_of.items()}
    # A drug given for the condition (or for a broader one) whose own sources contraindicate it
    # there says so beside its uses: aspirin's use after an ischaemic stroke, reached from
    # "cerebrovascular disease", must not read as a use in a brain haemorrhage.
    barred = linked_facts(conn, ("contraindications",), reached, tuple(drug_ids)) if drug_ids else {}
    barred_ids = [fact_id for (_, fact_id) in barred]
    contraindications = (
        fact_records(conn, "contraindications", f"id IN ({', '.join('?' * len(barred_ids))})", barred_ids, sources)
        if barred_ids
        else []
    )
    for fact in contraindications:
        fact["reached"] = barred[("contraindications", fact["id"])]["reached"]
    caveats = caveats_of_facts(
        conn,
        [("indications", fact) for fact in facts] + [("contraindications", fact) for fact in contraindications],
        sources,
    )
    grouped: dict[str, list[dict[str, Any]]] = {}
    for fact in sorted(facts, key=lambda fact: fact["evidence"] != "official-label"):
        grouped.setdefault(owners[fact["id"]][0], []).append(fact)
    drugs = [
        {
            "id": drug_id,
            "name": owners[found[0]["id"]][1],
            "contraindications": sorted(
                (fact for fact in contraindications if barred[("contraindications", fact["id"])]["drug_id"] == drug_id),
                key=lambda fact: fact["evidence"] != "official-label",
            ),
            "indications": [fact for fact in found if fact["basis"] == "stated-use"],
            "claimed_effects": [fact for fact in found if fact["basis"] != "stated-use"],
        }
        for drug_id, found in grouped.items()
    ]
    # A label's indication first, then the articles' stated uses; a drug the sources only make
    # claims for comes after every drug they state a use for.
    drugs.sort(
        key=lambda drug: (
            not drug["indications"],
            not any(fact["evidence"] == "official-label" for fact in drug["indications"]),
            drug["name"].casefold(),
        )
    )
    understood = describe(resolved)
    return {
        "command": "for",
        "condition": condition,
        "understood": understood,
        "concepts": resolved["concepts"],
        "drugs": drugs,
        "statement": None
        if drugs
        else f"No label or article in nmref states a use for {understood}. This says nothing about whether "
        "any drug helps or harms in it.",
        "caveats": caveats,
        "notice": NOTICE,
    }
