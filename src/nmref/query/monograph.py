"""A drug's monograph, read in one row: what the build compiled (nmref.query.compile) and stored."""

import json
import sqlite3
from typing import Any, NamedTuple

from nmref.errors import DatabaseUnavailable
from nmref.names import normalize
from nmref.query.facts import NOTICE
from nmref.query.names import resolve_drug


class Monograph(NamedTuple):
    """One lookup's monograph: which name matched, and the drug's facts as compiled by the build.

    `body` is the JSON object stored in the monographs table, as UTF-8 bytes, so that a batch
    can write it out without decoding and encoding it again (at 1,000 names a batch moves some
    40 MB). (A NamedTuple: importing dataclasses would cost every start-up about 2 ms.)
    """

    matched: dict[str, Any]
    body: bytes

    def head(self) -> dict[str, Any]:
        """The members that come before the body's."""
        return {"command": "show", "matched": self.matched}

    def to_dict(self) -> dict[str, Any]:
        return {**self.head(), **json.loads(self.body)}


# The build stores compact JSON: no raw control character, not even a newline, can be in it.
CONTROL_BYTES = bytes(range(0x20)) + b"\x7f"
# Monographs already found sound in this process, by drug: a batch that names a drug again
# compares bytes (memcmp) instead of checking them again. Bounded: a batch of any size.
_sound: dict[str, bytes] = {}
SOUND_CACHE = 256


def stored_json_is_sound(conn: sqlite3.Connection, body: bytes) -> bool:
    """Whether a stored monograph can go out as it is: one JSON object, UTF-8, no raw control
    character (a damaged page or a file overwritten while read fails one of these)."""
    # translate() deletes the control bytes in C: ten times faster than a regex search.
    if not (body[:1] == b"{" and body[-1:] == b"}") or len(body.translate(None, CONTROL_BYTES)) != len(body):
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # SQLite's own JSON parser: a cut body that happens to end in "}" is still not JSON.
    return conn.execute("SELECT json_valid(?)", [text]).fetchone()[0] == 1


def checked(conn: sqlite3.Connection, drug_id: str, body: bytes) -> bool:
    """`stored_json_is_sound`, remembering the bytes it passed for each drug."""
    if _sound.get(drug_id) == body:
        return True
    if not stored_json_is_sound(conn, body):
        return False
    if len(_sound) >= SOUND_CACHE:
        _sound.clear()
    _sound[drug_id] = body
    return True


def monograph(conn: sqlite3.Connection, query: str) -> Monograph:
    """Everything the sources say about one drug, each fact with its quote and source line."""
    # One statement for the name and the body: a batch pays for it once per name.
    row = conn.execute(
        "SELECT n.name, n.kind, m.drug_id, CAST(m.body AS BLOB) AS body FROM drug_names n "
        "JOIN monographs m ON m.drug_id = n.drug_id WHERE n.key = ?",
        [normalize(query)],
    ).fetchone()
    if row is None:
        match = resolve_drug(conn, query)  # NotFound, with suggestions, unless the monograph is what is missing
        raise DatabaseUnavailable(f"the database has no compiled monograph for {match['name']}; rebuild it")
    if not checked(conn, row["drug_id"], row["body"]):
        raise DatabaseUnavailable(f"the compiled monograph for {row['name']} is damaged; rebuild it")
    return Monograph({"query": query, "name": row["name"], "kind": row["kind"]}, row["body"])


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
        "caveats": [
            c
            for c in found["caveats"]
            if all(link["fact_table"] in (None, name) for link in c["links"])
            or any(link["fact_table"] == name for link in c["links"])
        ],
        "notice": NOTICE,
    }


# What `compare` puts side by side: the fact sections that say how a drug is used and what to
# watch for (not its ingredients and forms), in the monograph's order.
# Safety first, as a clinician reads: what rules a drug out, special populations and warnings,
# interactions and adverse effects before what it is used for.
COMPARED_SECTIONS = (
    "contraindications",
    "precautions",
    "interactions",
    "adverse_effects",
    "indications",
    "label_dosing",
)


def compare(conn: sqlite3.Connection, queries: list[str]) -> dict[str, Any]:
    """Two or three drugs section by section: each section's facts for each drug, in order."""
    from nmref.query.combining import check  # loaded only here: a lookup never pays for it

    found = [monograph(conn, query).to_dict() for query in queries]
    card = check(conn, queries)
    return {
        "command": "compare",
        "drugs": [{"matched": each["matched"], "drug": each["drug"]} for each in found],
        # The check card's verdicts on each pair, the same as `nmref check` gives for these drugs.
        "summary": card["summary"],
        "verdicts": [
            {key: verdict[key] for key in ("drugs", "level", "from", "labels_disagree", "what_to_do")}
            for verdict in card["verdicts"]
        ],
        "sections": [{"section": name, "facts": [each[name] for each in found]} for name in COMPARED_SECTIONS],
        "notice": NOTICE,
    }
