"""Classes: the tree, a class's members (subclasses included), drug lists."""

import difflib
import sqlite3
from typing import Any

from nmref.errors import NotFound
from nmref.names import class_key
from nmref.query.facts import EVIDENCE, cite, source_rows
from nmref.query.names import SUGGESTION_CUTOFF, SUGGESTIONS

# Deeper than any real class tree: where a damaged tree's path stops.
MAX_DEPTH = 32


def class_path(conn: sqlite3.Connection, class_id: str) -> list[str]:
    rows = conn.execute(
        "WITH RECURSIVE up(id, name, parent_id, depth) AS ("
        " SELECT id, name, parent_id, 0 FROM classes WHERE id = ?"
        # The depth bound ends a damaged tree whose classes form a cycle (the build refuses one).
        " UNION ALL SELECT c.id, c.name, c.parent_id, up.depth + 1 FROM classes c JOIN up ON c.id = up.parent_id"
        f" WHERE up.depth < {MAX_DEPTH})"
        " SELECT name FROM up ORDER BY depth DESC",
        [class_id],
    ).fetchall()
    return [row["name"] for row in rows]


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
    sources = source_rows(conn)
    rows = conn.execute(
        # UNION, not UNION ALL: a class met twice (a cycle in a damaged tree) is not followed again.
        "WITH RECURSIVE down(id) AS (SELECT ? UNION SELECT c.id FROM classes c JOIN down ON c.parent_id = down.id) "
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
                "source": cite(sources, row["source_id"], row["line"]),
            }
            for row in rows
        ],
    }


def class_tree(conn: sqlite3.Connection) -> dict[str, Any]:
    """The class tree; `members` counts the distinct drugs of a class and of every class below it."""
    sources = source_rows(conn)
    rows = conn.execute("SELECT id, name, parent_id, source_id, line, quote FROM classes ORDER BY name").fetchall()
    direct: dict[str, set[str]] = {}
    for class_id, drug_id in conn.execute("SELECT class_id, drug_id FROM drug_classes"):
        direct.setdefault(class_id, set()).add(drug_id)
    nodes = {
        row["id"]: {
            "id": row["id"],
            "name": row["name"],
            "members": 0,
            "evidence": EVIDENCE[sources[row["source_id"]]["kind"]],
            "quote": row["quote"],
            "source": cite(sources, row["source_id"], row["line"]),
            "children": [],
        }
        for row in rows
    }
    roots = []
    for row in rows:
        (nodes[row["parent_id"]]["children"] if row["parent_id"] else roots).append(nodes[row["id"]])

    def drugs_below(node: dict[str, Any], seen: frozenset[str]) -> set[str]:
        found = set(direct.get(node["id"], ()))
        for child in node["children"]:
            if child["id"] not in seen:  # a damaged tree with a cycle still ends
                found |= drugs_below(child, seen | {child["id"]})
        node["members"] = len(found)
        return found

    for root in roots:
        drugs_below(root, frozenset({root["id"]}))
    return {"command": "classes", "classes": roots}


def list_drugs(conn: sqlite3.Connection, class_query: str | None = None) -> dict[str, Any]:
    if class_query is None:
        # Substances (named only by labels) resolve in `check` but have no monograph to list.
        rows = conn.execute(
            "SELECT id, name, description FROM drugs WHERE kind = 'monograph' ORDER BY name COLLATE NOCASE"
        ).fetchall()
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
