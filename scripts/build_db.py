"""Build nmref's bundled SQLite database from the curated tables in db/curated/.

    python scripts/build_db.py            # writes src/nmref/data/nmref.db
    python scripts/build_db.py --out x.db

Every curated row is checked before anything is written: its quote must stand verbatim in its
source document, starting on the line it names; every drug, class and source it names must
exist; no name may point to two drugs; required fields must be filled; the seeds must match
their recorded SHA-256. Any failure prints `file:line: what is wrong` to stderr, exits 1 and
leaves the previous database untouched: the database is built in memory and only a complete,
checked image is written to a temporary file beside the target and renamed into place.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from nmref.names import class_key, normalize  # noqa: E402
from nmref.query import SEARCHED_SECTIONS, compile_monograph  # noqa: E402
from nmref.render import COMPACT  # noqa: E402

DEFAULT_OUT = ROOT / "src" / "nmref" / "data" / "nmref.db"
TEMP_PREFIX = ".nmref-build-"

# Load order: a table's references must already be loaded.
TABLES = [
    "sources",
    "drugs",
    "classes",
    "drug_names",
    "drug_classes",
    *SEARCHED_SECTIONS,
    "caveat_links",
    "left_out",
    "conditions",
    "condition_names",
    "condition_links",
    "condition_unlinked",
    "interaction_management",
    "duplication_classes",
    "label_versions",
]
CURATED_FILE = {"drug_names": "names.tsv"}
NOUNS = {"drugs": "drug", "classes": "class", "sources": "source", "conditions": "condition"}
# Columns of a curated file that the database does not store as they are.
DERIVED_COLUMNS = {"drug_names": {"key"}, "condition_names": {"key"}}
EXTRA_COLUMNS = {"classes": ["aliases"]}
# Columns the schema allows to be NULL that a curated row must still fill in.
ALWAYS_REQUIRED = {"line", "quote", "source_id"}
# No curated cell holds a control character (a NUL in an id, an escape sequence in a text).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Sources whose facts are our own words for what public pages say: each such fact cites them.
NOTES_KINDS = {"reference-notes", "label-notes"}
# For a caveat link: the columns of a fact table that name a drug the fact is about.
FACT_DRUG_COLUMNS = {"analogues": ("drug_id", "analogue_id"), "interactions": ("drug_id", "other_drug_id")}

# A curated table is a few hundred rows; a file far larger is a mistake (or /dev/zero behind a link).
MAX_CURATED_BYTES = 64 * 2**20
# The only page addresses a source may have: anything else could become a live link (javascript:).
URL_SCHEMES = ("http://", "https://")
# A dose amount such as "500 mg", "1-2 times", "40-60 drops": only ever inside a verbatim quote.
# A match starts only where a number starts (the lookbehind): a long run of digits is then read
# once, not once from every digit (30,000 digits took 98 s).
DOSE_AMOUNT = re.compile(
    r"(?<![\d.,])\d+(?:[.,]\d+)?\s*(?:[-–]\s*\d+(?:[.,]\d+)?\s*)?"
    r"(?:mg|g|ml|mcg|µg|%|drops?|times?|tablets?|capsules?|ampoules?|packets?)\b",
    re.IGNORECASE,
)


# Facts that name a patient's condition, by table: each links to the condition index or is listed
# as deliberately unlinked. For precautions, only the topics that are conditions or populations.
CONDITION_BEARING = {
    "indications": None,
    "contraindications": None,
    "precautions": {"pregnancy", "lactation", "children", "elderly", "renal", "hepatic", "warning", "boxed warning"},
}
# An ICD-10 code as a concept lists it: a category (G40), a subcategory (I63.9), or a block of
# categories (I60-I69).
ICD10_CODE = re.compile(r"(?P<first>[A-Z][0-9]{2}(?:\.[0-9]{1,2})?)(?:-(?P<last>[A-Z][0-9]{2}))?")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        try:
            shown = self.path.relative_to(Path.cwd())
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}: {self.message}"


class BuildFailed(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class Row:
    path: Path
    line: int
    values: dict[str, str | int | None]

    def problem(self, message: str) -> Problem:
        return Problem(self.path, self.line, message)


@dataclass
class Document:
    text: str
    line_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(self.text) if ch == "\n"]

    def quote_starts_on(self, quote: str, line: int) -> bool:
        if not 1 <= line <= len(self.line_starts):
            return False
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.text) + 1
        found = self.text.find(quote, start)
        return 0 <= found < end

    def lines_with(self, quote: str) -> list[int]:
        lines, at = [], self.text.find(quote)
        while at >= 0:
            lines.append(self.text.count("\n", 0, at) + 1)
            at = self.text.find(quote, at + 1)
        return lines


def read_tsv(path: Path, expected: list[str]) -> Iterator[Row]:
    """Rows of a tab-separated file whose header must be exactly `expected`.

    No quoting: a cell is everything between two tabs, so a quote is stored byte for byte.
    An empty cell is NULL.
    """
    if not path.is_file():
        raise BuildFailed([Problem(path, 1, "not a regular file (a device, a folder or a link to one)")])
    if path.stat().st_size > MAX_CURATED_BYTES:
        raise BuildFailed([Problem(path, 1, f"larger than {MAX_CURATED_BYTES // 2**20} MiB: not a curated table")])
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    problems = []
    decoded = []
    for number, line in enumerate(lines, 1):
        try:
            decoded.append(line.decode("utf-8").removesuffix("\r"))
        except UnicodeDecodeError as error:
            problems.append(Problem(path, number, f"not UTF-8 ({error.reason} at byte {error.start})"))
            continue
        if "\r" in decoded[-1]:
            problems.append(Problem(path, number, "a carriage return inside a line: lines must end with LF (\\n)"))
    if problems:
        raise BuildFailed(problems)
    if not decoded:
        raise BuildFailed([Problem(path, 1, "empty file: a header line is required")])
    header = decoded[0].split("\t")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise BuildFailed([Problem(path, 1, f"duplicate column(s): {', '.join(duplicated)}")])
    if header != expected:
        raise BuildFailed([Problem(path, 1, f"header must be: {chr(9).join(expected)!r}")])
    for number, line in enumerate(decoded[1:], 2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(expected):
            problems.append(
                Problem(path, number, f"{len(cells)} fields, expected {len(expected)} ({', '.join(expected)})")
            )
            continue
        yield Row(
            path, number, {name: (cell if cell != "" else None) for name, cell in zip(expected, cells, strict=True)}
        )
    if problems:
        raise BuildFailed(problems)


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    references: str | None


def table_columns(db: sqlite_utils.Database, table: str) -> list[Column]:
    references = {fk.column: fk.other_table for fk in db[table].foreign_keys}
    derived = DERIVED_COLUMNS.get(table, set())
    return [
        Column(info[1], bool(info[3]) or info[1] in ALWAYS_REQUIRED, references.get(info[1]))
        for info in db.execute(f"PRAGMA table_info({table})").fetchall()
        if info[1] not in derived
    ]


class Builder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.curated = root / "db" / "curated"
        self.seeds = root / "seeds"
        self.problems: list[Problem] = []
        self.documents: dict[str, Document] = {}
        self.source_kinds: dict[str, str] = {}
        self.ids: dict[str, dict[str, Row]] = {}
        self.loaded: dict[str, list[Row]] = {}
        self.db = sqlite_utils.Database(sqlite3.connect(":memory:"))

    def build(self) -> bytes:
        self.create_schema(self.root / "db" / "schema.sql")
        for table in TABLES:
            rows = self.load(table)
            if table == "sources":
                self.open_documents(rows)
        self.check_caveat_targets()
        self.check_condition_links()
        self.check_interaction_management()
        if self.problems:
            raise BuildFailed(self.problems)
        derive(self.db.conn)
        self.stamp_fingerprint()
        self.db.conn.commit()
        self.db.execute("VACUUM")
        return self.db.conn.serialize()

    def create_schema(self, path: Path) -> None:
        """Run schema.sql one statement at a time, so a mistake is reported at its line."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise BuildFailed([Problem(path, 1, f"cannot read the schema ({error})")]) from None
        statement, start = "", 1
        for number, line in enumerate(text.splitlines(keepends=True), 1):
            if not statement.strip():
                start = number
            statement += line
            if sqlite3.complete_statement(statement):
                try:
                    self.db.conn.execute(statement)
                except sqlite3.Error as error:
                    raise BuildFailed([Problem(path, start, f"schema statement fails: {error}")]) from None
                statement = ""
        if statement.strip():
            raise BuildFailed([Problem(path, start, "schema statement is not complete (a missing ';'?)")])

    def load(self, table: str) -> list[Row]:
        path = self.curated / CURATED_FILE.get(table, f"{table}.tsv")
        columns = table_columns(self.db, table)
        header = [column.name for column in columns] + EXTRA_COLUMNS.get(table, [])
        if not path.exists():
            self.problems.append(Problem(path, 1, "curated file is missing"))
            return []
        try:
            rows = list(read_tsv(path, header))
        except BuildFailed as failed:
            self.problems.extend(failed.problems)
            return []
        key_column = "name" if table in ("drug_names", "condition_names") else "id" if "id" in header else None
        seen: dict[str, Row] = {}
        # A link table has no id: a row repeated whole is the duplicate (SQLite's UNIQUE lets
        # rows that differ only by NULLs through, such as two links to the same drug as a whole).
        seen_rows: dict[tuple[object, ...], Row] = {}
        good = []
        for row in rows:
            found = self.check_row(table, columns, row)
            if key_column and row.values[key_column] is not None:
                key = str(row.values[key_column])
                if key in seen:
                    found.append(row.problem(f"duplicate {key_column} {key!r} (first at line {seen[key].line})"))
                else:
                    seen[key] = row
            elif key_column is None:
                whole = tuple(row.values.values())
                if whole in seen_rows:
                    found.append(row.problem(f"duplicate row (the same as line {seen_rows[whole].line})"))
                else:
                    seen_rows[whole] = row
            if found:
                self.problems.extend(found)
            else:
                good.append(row)
        self.ids[table] = seen
        self.loaded[table] = good
        if table == "sources":
            self.source_kinds = {str(row.values["id"]): str(row.values["kind"]) for row in good}
        self.insert(table, good)
        return good

    def check_row(self, table: str, columns: list[Column], row: Row) -> list[Problem]:
        found = [
            row.problem(f"{name} holds a control character ({CONTROL.search(str(value))[0]!r})")
            for name, value in row.values.items()
            if value is not None and CONTROL.search(str(value))
        ]
        if found:
            return found
        values = row.values
        for column in columns:
            value = values[column.name]
            if value is None:
                if column.required and not (table == "sources" and column.name in ("line", "quote")):
                    found.append(row.problem(f"{column.name} is empty"))
                continue
            if column.references and column.references != table and value not in self.ids.get(column.references, {}):
                found.append(
                    row.problem(f"unknown {NOUNS.get(column.references, column.references)} {value!r} in {column.name}")
                )
        if found:
            return found
        if table == "left_out":
            found.extend(self.check_left_out(row))
        elif "line" in values and table != "sources":
            found.extend(self.check_quote(row))
        if values.get("text") and DOSE_AMOUNT.search(str(values["text"])):
            found.append(
                row.problem(
                    f"text restates a dose amount ({DOSE_AMOUNT.search(str(values['text']))[0]!r}); "
                    "amounts belong only in the quote"
                )
            )
        found.extend(self.check_citations(row))
        return found

    def check_quote(self, row: Row) -> list[Problem]:
        source = str(row.values["source_id"])
        if source not in self.documents:
            return [
                row.problem(
                    f"source {source!r} is a web page; quote a document in seeds/ and cite the page in citations"
                )
            ]
        try:
            line = int(str(row.values["line"]))
        except ValueError:
            return [row.problem(f"line {row.values['line']!r} is not a number")]
        row.values["line"] = line
        quote = str(row.values["quote"])
        document = self.documents[source]
        if document.quote_starts_on(quote, line):
            return []
        elsewhere = document.lines_with(quote)
        if elsewhere:
            return [
                row.problem(
                    f"quote is in {source} at line {', '.join(map(str, sorted(set(elsewhere))))}, not line {line}"
                )
            ]
        return [row.problem(f"quote not found verbatim in {source}: {quote[:60]!r}")]

    def check_left_out(self, row: Row) -> list[Problem]:
        source = str(row.values["source_id"])
        if self.source_kinds.get(source) != "promotional-article":
            return [row.problem(f"left_out lists lines of the articles only, not of {source!r}")]
        if source not in self.documents:
            return []  # the document itself was refused (changed or missing): said once, there
        try:
            line = int(str(row.values["line"]))
        except ValueError:
            return [row.problem(f"line {row.values['line']!r} is not a number")]
        row.values["line"] = line
        if not 1 <= line <= len(self.documents[source].line_starts):
            return [row.problem(f"{source} has no line {line}")]
        return []

    def check_citations(self, row: Row) -> list[Problem]:
        cited = str(row.values.get("citations") or "").split()
        if self.source_kinds.get(str(row.values.get("source_id"))) in NOTES_KINDS and not cited:
            if "citations" not in row.values:
                return [row.problem("this table has no citations column, so it cannot hold a fact from the notes")]
            return [row.problem("a fact from the notes must cite the pages it comes from (citations)")]
        return [
            row.problem(f"citation {key!r} is not a reference page in sources.tsv")
            for key in cited
            if self.source_kinds.get(key) != "reference"
        ]

    def open_documents(self, sources: list[Row]) -> None:
        notes = []
        for row in sources:
            values = row.values
            if values["file"] is None:
                continue
            path = self.seeds / str(values["file"])
            if not path.is_file():
                self.problems.append(row.problem(f"document {path} is missing"))
                continue
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest != values["sha256"]:
                self.problems.append(
                    row.problem(
                        f"{path.name} has changed: its sha256 is {digest}, sources.tsv records {values['sha256']}"
                    )
                )
                continue
            try:
                self.documents[str(values["id"])] = Document(data.decode("utf-8"))
            except UnicodeDecodeError as error:
                line = data.count(b"\n", 0, error.start) + 1
                self.problems.append(Problem(path, line, f"not UTF-8 ({error.reason} at byte {error.start})"))
                continue
            if values["kind"] in NOTES_KINDS:
                notes.append(self.documents[str(values["id"])].text)
        for row in sources:
            if row.values["url"] is not None and not str(row.values["url"]).startswith(URL_SCHEMES):
                self.problems.append(row.problem(f"url of {row.values['id']!r} is not an http or https address"))
            if row.values["url"] is not None and not any(str(row.values["url"]) in text for text in notes):
                self.problems.append(row.problem(f"url of {row.values['id']!r} is not in the reference notes"))

    def insert(self, table: str, rows: list[Row]) -> None:
        for row in rows:
            values = dict(row.values)
            if table == "drug_names":
                self.insert_name(row, values)
            elif table == "condition_names":
                self.insert_condition_name(row, values)
            elif table == "conditions":
                if self.insert_row(table, row, values):
                    self.insert_condition_codes(row, values)
                    own = {key: values[key] for key in ("source_id", "line", "quote", "citations")}
                    self.insert_condition_name(
                        row,
                        {"name": values["name"], "condition_id": values["id"], "language": "en", "kind": "name", **own},
                    )
                    if values["title_ru"]:
                        self.insert_condition_name(
                            row,
                            {
                                "name": values["title_ru"],
                                "condition_id": values["id"],
                                "language": "ru",
                                "kind": "title",
                                **own,
                            },
                        )
            elif table == "classes":
                aliases = str(values.pop("aliases") or "")
                if self.insert_row(table, row, values):
                    for name in [str(values["name"]), *filter(None, (a.strip() for a in aliases.split(";")))]:
                        self.insert_class_name(row, name, str(values["id"]))
            elif self.insert_row(table, row, values) and table == "drugs":
                canonical = {
                    "name": values["name"],
                    "drug_id": values["id"],
                    "kind": "canonical",
                    **{key: values[key] for key in ("source_id", "line", "quote")},
                    "citations": None,
                }
                self.insert_name(row, canonical)

    def insert_row(self, table: str, row: Row, values: dict) -> bool:
        try:
            self.db[table].insert(values)
        except sqlite3.IntegrityError as error:
            self.problems.append(row.problem(f"{table}: {error}"))
            return False
        return True

    def insert_name(self, row: Row, values: dict) -> None:
        key = normalize(str(values["name"]))
        if not key:
            self.problems.append(row.problem(f"name {values['name']!r} has no letters or digits"))
            return
        taken = self.db.execute("SELECT drug_id, name FROM drug_names WHERE key = ?", [key]).fetchone()
        if taken:
            whose = "already names" if taken[0] == values["drug_id"] else "would name two drugs:"
            self.problems.append(row.problem(f"name {values['name']!r} {whose} {taken[0]!r} (as {taken[1]!r})"))
            return
        self.insert_row("drug_names", row, {"key": key, **values})

    def insert_condition_name(self, row: Row, values: dict) -> None:
        key = normalize(str(values["name"]))
        if not key:
            self.problems.append(row.problem(f"condition name {values['name']!r} has no letters or digits"))
            return
        taken = self.db.execute("SELECT condition_id, name FROM condition_names WHERE key = ?", [key]).fetchone()
        if taken:
            if taken[0] == values["condition_id"]:
                return  # a concept's title may also be typed as one of its listed words
            self.problems.append(
                row.problem(
                    f"condition name {values['name']!r} would name two concepts: {taken[0]!r} (as {taken[1]!r})"
                )
            )
            return
        self.insert_row("condition_names", row, {"key": key, **values})

    def insert_condition_codes(self, row: Row, values: dict) -> None:
        for code in str(values["codes"] or "").split():
            bounds = ICD10_CODE.fullmatch(code)
            if bounds is None:
                self.problems.append(
                    row.problem(f"ICD-10 code {code!r} is not a code (G40, I63.9) or a block (I60-I69)")
                )
                continue
            first, last = bounds["first"], bounds["last"] or bounds["first"]
            if last < first:
                self.problems.append(row.problem(f"ICD-10 block {code!r} ends before it starts"))
                continue
            self.insert_row(
                "condition_codes", row, {"code": code, "first": first, "last": last, "condition_id": values["id"]}
            )

    def insert_class_name(self, row: Row, name: str, class_id: str) -> None:
        key = class_key(name)
        taken = self.db.execute("SELECT class_id FROM class_names WHERE key = ?", [key]).fetchone()
        if taken:
            self.problems.append(row.problem(f"class name {name!r} already names class {taken[0]!r}"))
            return
        self.insert_row("class_names", row, {"key": key, "name": name, "class_id": class_id})

    def check_caveat_targets(self) -> None:
        for row in self.loaded.get("caveat_links", []):
            caveat, drug = row.values["caveat_id"], row.values["drug_id"]
            table, fact_id = row.values["fact_table"], row.values["fact_id"]
            if table is None or fact_id is None:
                continue
            fact = self.ids.get(str(table), {}).get(str(fact_id))
            if fact is None:
                self.problems.append(row.problem(f"caveat {caveat} points at {table}:{fact_id}, which does not exist"))
                continue
            about = [fact.values[column] for column in FACT_DRUG_COLUMNS.get(str(table), ("drug_id",))]
            if drug not in about:
                self.problems.append(
                    row.problem(f"caveat {caveat} is linked for {drug!r} but {table}:{fact_id} is about {about[0]!r}")
                )
        classes = self.ids.get("classes", {})
        for row in classes.values():
            parent = row.values["parent_id"]
            if parent is not None and parent not in classes:
                self.problems.append(row.problem(f"unknown parent class {parent!r}"))
                continue
            seen = {row.values["id"]}
            while parent is not None and parent in classes:
                if parent in seen:
                    self.problems.append(
                        row.problem(f"class {row.values['id']!r} is its own ancestor (through {parent!r})")
                    )
                    break
                seen.add(parent)
                parent = classes[parent].values["parent_id"]
        dangling = self.db.execute("PRAGMA foreign_key_check").fetchall()
        if dangling and not self.problems:
            raise BuildFailed([Problem(self.curated, 1, f"foreign key check failed: {dangling[:3]}")])

    def check_condition_links(self) -> None:
        """Every condition-bearing fact links to a concept of the condition index or is listed as
        deliberately unlinked with a reason; every link and listing names a fact that exists."""
        covered: set[tuple[str, str]] = set()
        for table in ("condition_links", "condition_unlinked"):
            for row in self.loaded.get(table, []):
                fact_table, fact_id = str(row.values["fact_table"]), str(row.values["fact_id"])
                if fact_id not in self.ids.get(fact_table, {}):
                    self.problems.append(row.problem(f"{fact_table}:{fact_id} does not exist"))
                covered.add((fact_table, fact_id))
        for fact_table, topics in CONDITION_BEARING.items():
            for fact_id, row in self.ids.get(fact_table, {}).items():
                if topics is not None and row.values.get("topic") not in topics:
                    continue
                if (fact_table, fact_id) not in covered:
                    self.problems.append(
                        row.problem(
                            f"{fact_table}:{fact_id} names a condition but links to no concept: add it to "
                            "condition_links.tsv, or to condition_unlinked.tsv with the reason"
                        )
                    )

    def check_interaction_management(self) -> None:
        """Every interaction fact says what kind of interaction it is and what to do."""
        managed = {str(row.values["interaction_id"]) for row in self.loaded.get("interaction_management", [])}
        for fact_id, row in self.ids.get("interactions", {}).items():
            if fact_id not in managed:
                self.problems.append(
                    row.problem(
                        f"interaction {fact_id} has no row in interaction_management.tsv (mechanism, management)"
                    )
                )

    def stamp_fingerprint(self) -> None:
        digest = hashlib.sha256()
        for statement in self.db.conn.iterdump():
            digest.update(statement.encode("utf-8"))
        self.db["meta"].insert({"key": "data_fingerprint", "value": digest.hexdigest()[:16]})


def derive(conn: sqlite3.Connection) -> None:
    """(Re)write the tables derived from the curated ones: the search indexes and the monographs."""
    conn.execute("INSERT INTO name_trigrams (name_trigrams) VALUES ('rebuild')")
    conn.execute("DELETE FROM facts")
    for table in SEARCHED_SECTIONS:
        if table == "caveats":
            # A caveat is found once for each drug it is linked to, or once for a whole article.
            source = (
                "caveats LEFT JOIN (SELECT DISTINCT caveat_id, drug_id FROM caveat_links) AS linked "
                "ON linked.caveat_id = caveats.id"
            )
            drug = "linked.drug_id"
        else:
            source, drug = table, "drug_id"
        conn.execute(
            f"INSERT INTO facts (section, fact_id, drug_id, text, quote) "
            f"SELECT '{table}', id, {drug}, text, quote FROM {source} ORDER BY {table}.rowid"
        )
    conn.execute("INSERT INTO fact_search (fact_search) VALUES ('rebuild')")
    conn.execute("DELETE FROM monographs")
    # The query layer reads rows by column name; sqlite-utils, sharing this connection, by index.
    row_factory, conn.row_factory = conn.row_factory, sqlite3.Row
    try:
        conn.executemany(
            "INSERT INTO monographs (drug_id, body) VALUES (?, ?)",
            [
                (drug_id, json.dumps(compile_monograph(conn, drug_id), ensure_ascii=False, separators=COMPACT))
                for (drug_id,) in conn.execute("SELECT id FROM drugs ORDER BY id").fetchall()
            ],
        )
    finally:
        conn.row_factory = row_factory


def write_atomically(image: bytes, out: Path) -> None:
    """Write `image` to `out` so that readers only ever see the old file or the new one whole."""
    out.parent.mkdir(parents=True, exist_ok=True)
    # One build writes at a time: another waits here, so it never removes a temporary file
    # that a running build is still writing.
    # (The lock is on the folder itself, so no lock file is left behind.)
    folder = os.open(out.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        for stale in out.parent.glob(f"{TEMP_PREFIX}*"):
            stale.unlink(missing_ok=True)  # left by a build that was killed mid-write
        write_under_lock(image, out)
    finally:
        os.close(folder)


def write_under_lock(image: bytes, out: Path) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=out.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(image)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build(root: Path, out: Path) -> None:
    if out.is_symlink():
        # Renaming over a link would replace the link, not write where it points: refuse.
        raise BuildFailed([Problem(out, 1, "the output is a symbolic link; give the path it points to")])
    write_atomically(Builder(root).build(), out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="database to write (default: the bundled one)")
    parser.add_argument("--root", type=Path, default=ROOT, help="project folder holding db/ and seeds/")
    args = parser.parse_args(argv)
    try:
        build(args.root.resolve(), args.out)
    except BuildFailed as failed:
        for problem in failed.problems:
            print(problem, file=sys.stderr)
        print(f"build failed: {len(failed.problems)} problem(s); {args.out} left as it was", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"build failed: {error}; {args.out} left as it was", file=sys.stderr)
        return 1
    print(f"built {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
