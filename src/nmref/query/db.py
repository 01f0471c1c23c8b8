"""Opening the database: read-only, checked against the schema version this nmref reads."""

import os
import sqlite3
from pathlib import Path

from nmref.errors import DatabaseUnavailable

SCHEMA_VERSION = "3"
BUNDLED_DATABASE = Path(__file__).parent.parent / "data" / "nmref.db"


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
