"""Opening the database: read-only, checked against the schema version this nmref reads."""

import os
import sqlite3
import stat
from pathlib import Path

from nmref.errors import DatabaseUnavailable

SCHEMA_VERSION = "5"
BUNDLED_DATABASE = Path(__file__).parent.parent / "data" / "nmref.db"


def database_path(override: str | os.PathLike[str] | None = None) -> Path:
    return Path(override or os.environ.get("NMREF_DB") or BUNDLED_DATABASE)


def connect(override: str | os.PathLike[str] | None = None, immutable: bool | None = None) -> sqlite3.Connection:
    """Open the database read-only, or raise DatabaseUnavailable saying why not.

    A missing path is never created: the URI says mode=ro, and the path is checked first so
    the message can say what is wrong instead of SQLite's "unable to open". The bundled
    database is opened immutable: nothing writes it, and an update replaces the file by rename.
    """
    path = database_path(override)
    try:
        status = path.stat()
    except FileNotFoundError:
        raise DatabaseUnavailable(f"database not found: {path}") from None
    except OSError as error:  # a path too long, a folder that may not be searched, a link loop
        raise DatabaseUnavailable(f"cannot open the database {path}: {error.strerror or error}") from None
    if not stat.S_ISREG(status.st_mode):
        raise DatabaseUnavailable(f"database path is not a file: {path}")
    if not os.access(path, os.R_OK):
        raise DatabaseUnavailable(f"cannot open the database {path}: permission denied")
    # Immutable where nothing writes the file: the bundled database (replaced only by rename),
    # or a database the caller vouches for (the benchmark's).
    if immutable is None:
        immutable = path.resolve() == BUNDLED_DATABASE.resolve()
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro" + ("&immutable=1" if immutable else ""), uri=True)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA query_only = ON")
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except (sqlite3.DatabaseError, OSError) as error:
        raise DatabaseUnavailable(f"{path} is not a readable nmref database ({error})") from None
    if row is None or row[0] != SCHEMA_VERSION:
        found = "none" if row is None else row[0]
        raise DatabaseUnavailable(f"{path} has schema version {found}; this nmref reads version {SCHEMA_VERSION}")
    return conn


def data_fingerprint(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'data_fingerprint'").fetchone()
    return row[0] if row else "unknown"
