"""Who a fact reaches: a drug together with its active ingredients and its classes.

A label states an interaction for a drug, an ingredient or a class ("antiplatelet agents"), and
a product carries the label facts of the drugs that are its active ingredients. A Party holds
what is needed to decide whether an interaction names a drug, and how: the monograph's
interactions from both sides and every finding of `check` come from the same test.
"""

import sqlite3
from typing import Any, NamedTuple

from nmref.names import normalize
from nmref.query.facts import fact_records


class Party(NamedTuple):
    drug_id: str
    name: str
    # The drug and the drugs that are its active ingredients (Nootropil: nootropil, piracetam).
    ids: tuple[str, ...]
    ingredient_keys: frozenset[str]
    # Classes of the drug or of an ingredient drug, with every class above them.
    class_ids: frozenset[str]


def party(conn: sqlite3.Connection, drug_id: str) -> Party:
    name = conn.execute("SELECT name FROM drugs WHERE id = ?", [drug_id]).fetchone()[0]
    ingredients = conn.execute(
        "SELECT text, ingredient_drug_id FROM ingredients WHERE drug_id = ? ORDER BY rowid", [drug_id]
    ).fetchall()
    ids = (drug_id, *dict.fromkeys(row[1] for row in ingredients if row[1] and row[1] != drug_id))
    marks = ", ".join("?" * len(ids))
    # UNION, not UNION ALL: a class listed as its own ancestor cannot make this loop forever.
    classes = conn.execute(
        "WITH RECURSIVE up(id) AS ("
        f" SELECT class_id FROM drug_classes WHERE drug_id IN ({marks})"
        " UNION SELECT c.parent_id FROM classes c JOIN up ON c.id = up.id WHERE c.parent_id IS NOT NULL)"
        " SELECT id FROM up",
        ids,
    ).fetchall()
    return Party(
        drug_id,
        name,
        ids,
        frozenset(normalize(row[0]) for row in ingredients),
        frozenset(row[0] for row in classes),
    )


def ingredient_drugs(conn: sqlite3.Connection, drug: Party) -> list[dict[str, str]]:
    """The drugs that are this drug's active ingredients, as {id, name}."""
    others = drug.ids[1:]
    if not others:
        return []
    marks = ", ".join("?" * len(others))
    names = dict(conn.execute(f"SELECT id, name FROM drugs WHERE id IN ({marks})", others).fetchall())
    return [{"id": other, "name": names[other]} for other in others]


def names(fact: dict[str, Any], other: Party) -> str | None:
    """How an interaction names `other`: this drug, its ingredient, its class; None if it does not."""
    if fact["other_drug_id"] == other.drug_id:
        return "this drug"
    if fact["other_drug_id"] in other.ids or (
        fact["other_ingredient"] and normalize(fact["other_ingredient"]) in other.ingredient_keys
    ):
        return "its ingredient"
    if fact["other_class_id"] in other.class_ids:
        return "its class"
    return None


def interactions_stated_for(
    conn: sqlite3.Connection, drug: Party, sources: dict[str, sqlite3.Row]
) -> list[dict[str, Any]]:
    """Interactions a source states for the drug or for one of its ingredient drugs.

    An ingredient's facts from the notes (labels, references) reach the product, marked
    `via_ingredient`; an article's statements about the ingredient drug do not, since they
    were not made about the product.
    """
    marks = ", ".join("?" * len(drug.ids))
    facts = fact_records(conn, "interactions", f"drug_id IN ({marks})", drug.ids, sources)
    this = {"id": drug.drug_id, "name": drug.name}
    stated_for = dict(zip(drug.ids, [this, *ingredient_drugs(conn, drug)], strict=True))
    found = []
    for fact in facts:
        fact["stated_for"] = stated_for[fact.pop("drug_id")]
        fact["via_ingredient"] = None if fact["stated_for"] is this else fact["stated_for"]
        fact["names"] = None
        if fact["via_ingredient"] is None or fact["evidence"] != "promotional-article":
            found.append(fact)
    return found


def interactions_naming(conn: sqlite3.Connection, drug: Party, sources: dict[str, sqlite3.Row]) -> list[dict[str, Any]]:
    """Interactions stated for other drugs that name this drug, its ingredient or its class."""
    ids, classes = ", ".join("?" * len(drug.ids)), ", ".join("?" * len(drug.class_ids))
    # Only rows that could name the drug are read (an ingredient is matched by its normalised name).
    where = f"drug_id NOT IN ({ids}) AND (other_drug_id IN ({ids}) OR other_ingredient IS NOT NULL" + (
        f" OR other_class_id IN ({classes}))" if drug.class_ids else ")"
    )
    candidates = fact_records(conn, "interactions", where, [*drug.ids, *drug.ids, *sorted(drug.class_ids)], sources)
    named = [(fact, fact_names) for fact in candidates if (fact_names := names(fact, drug)) is not None]
    stated_ids = sorted({fact["drug_id"] for fact, _ in named})
    drug_names = dict(
        conn.execute(f"SELECT id, name FROM drugs WHERE id IN ({', '.join('?' * len(stated_ids))})", stated_ids)
    )
    for fact, fact_names in named:
        stated_for = fact.pop("drug_id")
        fact["stated_for"] = {"id": stated_for, "name": drug_names[stated_for]}
        fact["via_ingredient"] = None
        fact["names"] = fact_names
    return [fact for fact, _ in named]
