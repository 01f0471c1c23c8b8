"""Conditions: what a typed condition means, in English, Russian or by ICD-10 code.

One resolver for every command that takes a condition (`for`, `check --condition`, the web
pages, the MCP tools). A condition resolves to one or more concepts of the condition index
(`conditions`), and a concept reaches the facts linked to it (`condition_links`), together with
the facts of its narrower concepts (asking for stroke finds ischaemic and haemorrhagic stroke)
and of its broader ones (a contraindication in renal impairment holds in severe renal
failure), each marked with how it was reached. A sibling is never reached: asking for I63
(cerebral infarction) does not find a fact about haemorrhagic stroke.

What does not resolve is an error with suggestions, never an empty answer.
"""

import re
import sqlite3
from typing import Any

from nmref.errors import NotFound
from nmref.names import normalize
from nmref.query.names import SUGGESTIONS, ranked

# An ICD-10 code as typed: a category (G40), a subcategory with or without its dot (I63.9,
# I639), or a block of categories (I60-I69).
CODE = re.compile(r"\s*([A-Za-z])\s*(\d\d)\s*(?:\.?\s*(\d{1,2}))?\s*", re.ASCII)
BLOCK = re.compile(r"\s*([A-Za-z]\d\d)\s*[-–]\s*([A-Za-z]\d\d)\s*", re.ASCII)
# A condition suggestion must be closer than a drug name's: "cancer" is not "care" (0.6),
# while "strke" is "stroke" (0.91) and "epilepssy" is "epilepsy".
SUGGESTION_CUTOFF = 0.75
# A typed condition longer than any concept's name is no misspelling of one: no suggestions.
SUGGESTION_MAX_KEY = 100

# At most this many concepts may answer a condition matched by the words of their names; more is
# too broad to be what was meant.
WORD_MATCHES = 6

EXACT, NARROWER, BROADER = "exact", "narrower", "broader"


def typed_code(text: str) -> tuple[str, str] | None:
    """The (first, last) ICD-10 bounds `text` names as a code or block, else None. A single
    code has first == last: 'g40' -> ('G40', 'G40'), 'I63.9' and 'i639' -> ('I63.9', 'I63.9')."""
    block = BLOCK.fullmatch(text)
    if block:
        return block[1].upper(), block[2].upper()
    code = CODE.fullmatch(text)
    if code:
        shown = f"{code[1].upper()}{code[2]}" + (f".{code[3]}" if code[3] else "")
        return shown, shown
    return None


def concept_rows(conn: sqlite3.Connection, ids: list[str]) -> list[dict[str, Any]]:
    marks = ", ".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id, name, codes, title_ru FROM conditions WHERE id IN ({marks}) ORDER BY name", ids
    ).fetchall()
    return [
        {"id": row["id"], "name": row["name"], "codes": (row["codes"] or "").split(), "title_ru": row["title_ru"]}
        for row in rows
    ]


def concepts_by_code(conn: sqlite3.Connection, first: str, last: str) -> tuple[list[str], str]:
    """The concepts a code or block names, narrowest first: the same code; codes within it (a
    category asked, its subcategories listed); or, for a code no concept lists, the concept whose
    category or block holds it ('I63.9' within 'I63'). Returns the ids and how they matched."""
    if first == last:
        exact = [row[0] for row in conn.execute("SELECT condition_id FROM condition_codes WHERE code = ?", [first])]
        if exact:
            return exact, "code"
    # Codes that lie inside what was typed: a block's categories, a category's subcategories.
    upper = last + "\uffff"
    inside = [
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT condition_id FROM condition_codes WHERE first >= ? AND last <= ?", [first, upper]
        )
    ]
    if inside:
        return inside, "codes within"
    # A subcategory no concept lists belongs to its category; a category to the block around it.
    category = first[:3]
    holding = [
        row[0]
        for row in conn.execute(
            "SELECT condition_id FROM condition_codes WHERE first <= ? AND last >= ? ORDER BY last = first DESC, "
            "last, first DESC",
            [category, category],
        )
    ]
    if holding:
        return holding[:1], "within code"
    return [], ""


def concepts_by_words(conn: sqlite3.Connection, typed: list[str]) -> list[str]:
    """Concepts one of whose names holds every typed word: 'renal' -> the renal concepts.
    Read only when neither a name nor a code matched."""
    if not typed:
        return []
    wanted = set(typed)
    found = []
    for row in conn.execute("SELECT condition_id, name FROM condition_names ORDER BY condition_id"):
        if wanted <= set(condition_words(row[1])) and row[0] not in found:
            found.append(row[0])
    return found


def resolve_condition(conn: sqlite3.Connection, query: str) -> dict[str, Any]:
    """The concept(s) a typed condition means, and how it matched; NotFound with suggestions
    from both languages and the codes otherwise.

    In order: a listed name or title in either language (any case, any spacing and
    punctuation); an ICD-10 code or block; the concepts one of whose names holds every typed
    word. `matched` says which, for the answer to state what it understood.
    """
    key = normalize(query)
    ids: list[str] = []
    how = ""
    matched_name = None
    # A plural is forgiven ("strokes"): the key as typed first, then without its plural ending.
    for candidate in dict.fromkeys(key_and_singular(key)):
        row = conn.execute(
            "SELECT condition_id, name, kind, language FROM condition_names WHERE key = ?", [candidate]
        ).fetchone()
        if row is not None:
            ids, how, matched_name = [row["condition_id"]], f"{row['language']} {row['kind']}", row["name"]
            break
    if not ids:
        bounds = typed_code(query)
        if bounds:
            ids, how = concepts_by_code(conn, *bounds)
    if not ids and key:
        ids = concepts_by_words(conn, condition_words(query))
        how = "words of a name"
        if len(ids) > WORD_MATCHES:
            # Too broad to be what was meant ("disease"): say so, with some of the concepts.
            raise NotFound("condition", query, [concept["name"] for concept in concept_rows(conn, ids)][:SUGGESTIONS])
    if not ids:
        raise NotFound("condition", query, suggest_conditions(conn, query))
    concepts = concept_rows(conn, ids)
    return {"query": query, "matched": {"how": how, "name": matched_name}, "concepts": concepts}


def key_and_singular(key: str) -> list[str]:
    """A folded name, and the same without an English plural ending ('strokes' -> 'stroke')."""
    if not key:
        return []
    if len(key) > 4 and key.endswith("es") and not key.endswith("ses"):
        return [key, key[:-1], key[:-2]]
    return [key, key[:-1]] if len(key) > 3 and key.endswith("s") and not key.endswith("ss") else [key]


def condition_words(text: str) -> list[str]:
    """The words of a typed condition, folded as names are, each at most once."""
    return list(dict.fromkeys(normalize(word) for word in re.findall(r"[^\W_]+", text) if normalize(word)))


def reach(conn: sqlite3.Connection, concept_ids: list[str]) -> dict[str, str]:
    """Each concept a resolved condition reaches, with how: the concept itself, the concepts
    below it (narrower) and those above it (broader). UNION, not UNION ALL: a damaged tree with
    a cycle cannot make the query loop forever."""
    marks = ", ".join("?" * len(concept_ids))
    reached = dict.fromkeys(concept_ids, EXACT)
    for row in conn.execute(
        f"WITH RECURSIVE down(id) AS (SELECT id FROM conditions WHERE parent_id IN ({marks}) "
        "UNION SELECT c.id FROM conditions c JOIN down ON c.parent_id = down.id) SELECT id FROM down",
        concept_ids,
    ):
        reached.setdefault(row[0], NARROWER)
    for row in conn.execute(
        f"WITH RECURSIVE up(id) AS (SELECT parent_id FROM conditions WHERE id IN ({marks}) AND parent_id IS NOT NULL "
        "UNION SELECT c.parent_id FROM conditions c JOIN up ON c.id = up.id WHERE c.parent_id IS NOT NULL) "
        "SELECT id FROM up",
        concept_ids,
    ):
        reached.setdefault(row[0], BROADER)
    return reached


def linked_facts(
    conn: sqlite3.Connection, tables: tuple[str, ...], reached: dict[str, str], drug_ids: tuple[str, ...] | None = None
) -> dict[tuple[str, str], dict[str, Any]]:
    """The facts of `tables` linked to any reached concept (of these drugs, if given), as
    {(table, fact id): {"drug_id": whose fact, "reached": [{"concept": name, "how": how}, ...]}},
    in one statement a table."""
    concept_marks = ", ".join("?" * len(reached))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for table in tables:
        where = f"l.fact_table = ? AND l.condition_id IN ({concept_marks})"
        params: list[Any] = [table, *reached]
        if drug_ids is not None:
            where += f" AND f.drug_id IN ({', '.join('?' * len(drug_ids))})"
            params += drug_ids
        for row in conn.execute(
            # CROSS JOIN keeps the links of the reached concepts (a few rows, by their index) as the
            # outer loop: read the other way, every link of each of the drug's facts is scanned.
            f"SELECT l.fact_id, l.condition_id, f.drug_id, c.name FROM condition_links l "
            f"CROSS JOIN {table} f ON f.id = l.fact_id JOIN conditions c ON c.id = l.condition_id "
            f"WHERE {where} ORDER BY f.rowid",
            params,
        ):
            fact = found.setdefault((table, row[0]), {"drug_id": row[2], "reached": []})
            fact["reached"].append({"concept": row[3], "how": reached[row[1]]})
    return found


def describe(condition: dict[str, Any]) -> str:
    """What a resolved condition was understood as: 'epilepsy (G40, эпилепсия)'."""
    parts = []
    for concept in condition["concepts"]:
        title = concept["title_ru"]
        # The title as a word in a sentence: its first letter small, the rest as the register has it (VIII).
        extra = [*concept["codes"], *([title[0].lower() + title[1:]] if title else [])]
        parts.append(concept["name"] + (f" ({', '.join(extra)})" if extra else ""))
    return "; ".join(parts)


def suggest_conditions(conn: sqlite3.Connection, query: str) -> list[str]:
    """Concepts whose names (English or Russian) or codes are close to `query`, best first,
    each shown with its first code: 'epilepsy (G40)'."""
    key = normalize(query)
    if not key or len(key) > SUGGESTION_MAX_KEY:
        return []
    rows = conn.execute(
        "SELECT n.key, c.id, c.name, c.codes FROM condition_names n JOIN conditions c ON c.id = n.condition_id "
        "UNION ALL SELECT lower(replace(k.code, '.', '')), c.id, c.name, c.codes FROM condition_codes k "
        "JOIN conditions c ON c.id = k.condition_id"
    ).fetchall()
    shown = {row["id"]: row["name"] + (f" ({row['codes'].split()[0]})" if row["codes"] else "") for row in rows}
    suggestions: list[str] = []
    for concept_id in ranked(key, ((row[0], row["id"]) for row in rows), SUGGESTION_CUTOFF):
        if shown[concept_id] not in suggestions:
            suggestions.append(shown[concept_id])
        if len(suggestions) == SUGGESTIONS:
            break
    return suggestions
