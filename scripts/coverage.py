"""How much of each article the database quotes: a curator's tool.

    python scripts/coverage.py            # figures per article, then every line no row accounts for
    python scripts/coverage.py --lines    # every line of every article, with the rows that quote it

A non-blank article line is *quoted* when some fact row starts its quote on it (a row that only
names the drug or its class, in drugs, names or classes, records none of the line's claims, so
it does not count), *left out* when db/curated/left_out.tsv gives the reason it holds nothing to
record, and *uncovered* otherwise.
The test suite fails while any line is uncovered. Reads the built database (--db to choose one).
"""

import argparse
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "src" / "nmref" / "data" / "nmref.db"


# Tables whose rows name a drug or a class rather than record what a line claims.
IDENTITY_TABLES = {"drugs", "drug_names", "classes", "drug_classes"}


def coverage(conn: sqlite3.Connection, seeds: Path) -> list[dict]:
    """Per article: every non-blank line with the rows that quote it and the reason it is left out."""
    tables = [
        name
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if {"source_id", "line", "quote"} <= {column[1] for column in conn.execute(f"PRAGMA table_info({name})")}
        and name not in IDENTITY_TABLES
    ]
    quoted: dict[tuple[str, int], list[str]] = {}
    for table in tables:
        key = "id" if "id" in {c[1] for c in conn.execute(f"PRAGMA table_info({table})")} else "rowid"
        for source, line, row_id in conn.execute(f"SELECT source_id, line, {key} FROM {table}"):
            quoted.setdefault((source, line), []).append(f"{table}:{row_id}")
    left_out = {(source, line): reason for source, line, reason in conn.execute("SELECT * FROM left_out")}
    articles = []
    for source, file in conn.execute("SELECT id, file FROM sources WHERE kind = 'promotional-article' ORDER BY id"):
        lines = []
        for number, text in enumerate((seeds / file).read_text(encoding="utf-8").split("\n"), 1):
            if text.strip():
                lines.append(
                    {
                        "line": number,
                        "text": text,
                        "rows": quoted.get((source, number), []),
                        "left_out": left_out.get((source, number)),
                    }
                )
        articles.append({"source": source, "lines": lines})
    return articles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--lines", action="store_true", help="list every line with the rows that quote it")
    args = parser.parse_args(argv)
    conn = sqlite3.connect(args.db.resolve().as_uri() + "?mode=ro", uri=True)
    uncovered_total = 0
    for article in coverage(conn, ROOT / "seeds"):
        lines = article["lines"]
        quoted = sum(1 for line in lines if line["rows"])
        left = sum(1 for line in lines if not line["rows"] and line["left_out"])
        uncovered = [line for line in lines if not line["rows"] and not line["left_out"]]
        uncovered_total += len(uncovered)
        print(f"{article['source']}: {len(lines)} lines, {quoted} quoted, {left} left out, {len(uncovered)} uncovered")
        for line in lines if args.lines else uncovered:
            why = ", ".join(line["rows"]) or (f"left out: {line['left_out']}" if line["left_out"] else "UNCOVERED")
            print(f"  {line['line']:>4}  {line['text'][:70]!r}  <- {why}")
    return 1 if uncovered_total else 0


if __name__ == "__main__":
    sys.exit(main())
