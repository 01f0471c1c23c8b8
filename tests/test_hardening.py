"""Hostile input, damaged databases, interrupted and concurrent use."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, build, load_build_module, run, run_installed
from nmref import query
from nmref.cli import app
from nmref.names import normalize
from nmref.query import BUNDLED_DATABASE

HOSTILE = [
    "\x1b[31mred\x1b[0m",
    "\u202eevil",
    "cera\u200bxon",
    "ＣＥＲＡＸＯＮ",
    "'; DROP TABLE drugs; --",
    "%",
    "_",
    "%ceraxon%",
    '"',
    "NEAR(a b)",
    "a*",
    "AND",
    "-x",
    "[bold]x[/bold]",
    "[/x]",
    "x" * 10_000,
    "\x00",
    "\n",
    "",
    " ",
]
NAME_COMMANDS = ["show", "indications", "contraindications", "adverse-effects", "interactions", "dosing", "analogues"]


def assert_well_behaved(args: list[str]) -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, args, prog_name="nmref")
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.exception)
    assert "Traceback" not in result.stderr + result.stdout
    if result.exit_code != 0:
        assert result.stderr.startswith("nmref: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stdout == ""
    elif {"--help", "-h"} & set(args):
        assert "Usage" in result.stdout  # help asked for, in any position: help given
    elif "--json" in args and args[1] != "-":
        json.loads(result.stdout)
    elif "--json" in args:
        # '-' reads names from stdin, one JSON object per line (none for an empty stdin)
        assert all(json.loads(line) for line in result.stdout.splitlines())


@pytest.mark.parametrize("text", HOSTILE)
def test_every_command_survives_hostile_text(text: str) -> None:
    for command in NAME_COMMANDS:
        assert_well_behaved([command, text, "--json"])
    for args in (
        ["class", text],
        ["search", text],
        ["for", text],
        ["check", text, "ceraxon"],
        ["check", "ceraxon", "--condition", text],
        ["compare", text, "ceraxon"],
        ["schema", text],
        ["drugs", "--class", text],
    ):
        assert_well_behaved([*args, "--json"])
        assert_well_behaved(args)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(min_size=0, max_size=60))
def test_arbitrary_unicode_never_makes_a_traceback(text: str) -> None:
    for args in (["show", text, "--json"], ["search", text, "--json"], ["class", text], ["for", text, "--json"]):
        assert_well_behaved(args)


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_name_normalisation_is_idempotent_and_case_blind(text: str) -> None:
    key = normalize(text)
    assert normalize(key) == key
    assert normalize(text.upper()) == normalize(text.lower()) or not text.isascii()
    assert all(ch.isalnum() for ch in key)


def test_percent_and_underscore_match_themselves_not_everything() -> None:
    for text in ("%", "_", "%%", "ceraxo_", "ceraxo%"):
        outcome = run("show", text, code=1)
        assert "no drug named" in outcome.stderr


def test_user_text_in_messages_is_neutralised() -> None:
    outcome = run("show", "\x1b[2J\u202eabc", code=1)
    assert "\x1b" not in outcome.stderr and "\u202e" not in outcome.stderr
    assert "\\u001b" in outcome.stderr


# --- a small fixture database with hostile text in it ------------------------------------------


def fixture_database(path: Path, schema_version: str = query.SCHEMA_VERSION) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript((ROOT / "db" / "schema.sql").read_text(encoding="utf-8"))
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [schema_version])
    conn.execute(
        "INSERT INTO sources VALUES ('doc', 'promotional-article', 'A [bold]doc[/bold]', 'x.txt', NULL, ?, NULL)",
        ["0" * 64],
    )
    hostile = "Insulin [human] \x1b[31mred\x1b[0m [/x] \u202eevil"
    conn.execute(
        "INSERT INTO drugs VALUES ('insulin', 'Insulin [human]', 'monograph', ?, 'doc', 1, ?, NULL)", [hostile, hostile]
    )
    conn.execute(
        "INSERT INTO drug_names VALUES ('insulinhuman', 'Insulin [human]', 'insulin', 'canonical', 'doc', 1, 'q', NULL)"
    )
    conn.execute(
        "INSERT INTO indications VALUES "
        "('i1', 'insulin', ?, 'stated-use', NULL, 'doc', 2, ?, 'garbled', '[red]note[/red]', NULL)",
        [hostile, hostile],
    )
    load_build_module().derive(conn)
    conn.commit()
    conn.close()
    return path


def test_database_text_is_printed_literally_and_escapes_neutralised(tmp_path: Path) -> None:
    db = fixture_database(tmp_path / "hostile.db")
    for args in (["show", "insulin human"], ["indications", "insulin human"], ["search", "insulin"], ["drugs"]):
        outcome = run("--db", str(db), *args)
        assert "\x1b" not in outcome.stdout and "\u202e" not in outcome.stdout
        assert "[human]" in outcome.stdout, args
        if args[0] != "drugs":
            assert "[/x]" in outcome.stdout
    doc = run("--db", str(db), "show", "insulin human", "--json").json()
    assert doc["indications"][0]["text"].startswith("Insulin [human] \x1b[31m")  # JSON carries the data as it is


def test_nmref_db_environment_variable_selects_the_database(tmp_path: Path) -> None:
    db = fixture_database(tmp_path / "env.db")
    assert run("drugs", env={"NMREF_DB": str(db)}).stdout == "Insulin [human]\n"


# --- damaged databases --------------------------------------------------------------------------


def damaged(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.db"
    original = BUNDLED_DATABASE.read_bytes()
    if kind == "directory":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(original[: len(original) // 3])
    elif kind == "corrupted":
        data = bytearray(original)
        for offset in range(100, len(data), 997):
            data[offset] ^= 0xFF
        path.write_bytes(bytes(data))
    elif kind == "not-sqlite":
        path.write_text("this is not a database\n" * 100)
    elif kind == "other-schema":
        sqlite3.connect(path).executescript("CREATE TABLE notes (x); INSERT INTO notes VALUES (1);")
    elif kind == "other-version":
        fixture_database(path, schema_version="999")
    return path


@pytest.mark.parametrize(
    "kind", ["missing", "directory", "empty", "truncated", "corrupted", "not-sqlite", "other-schema", "other-version"]
)
@pytest.mark.parametrize(
    "args", [["show", "ceraxon", "--json"], ["drugs"], ["search", "stroke"], ["check", "ceraxon", "acefen"]]
)
def test_damaged_database_exits_3_with_one_line(tmp_path: Path, kind: str, args: list[str]) -> None:
    path = damaged(tmp_path, kind)
    outcome = run("--db", str(path), *args, code=3)
    assert outcome.stderr.startswith("nmref: ") and len(outcome.stderr.strip().splitlines()) == 1
    assert outcome.stdout == ""
    if kind == "missing":
        assert not path.exists(), "a missing database was created"


def test_monograph_missing_from_the_database_exits_3_with_one_line(tmp_path: Path) -> None:
    path = fixture_database(tmp_path / "no-monographs.db")
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM monographs")
    for args in (["show", "insulin human"], ["indications", "insulin human", "--json"]):
        outcome = run("--db", str(path), *args, code=3)
        assert outcome.stderr == "nmref: the database has no compiled monograph for Insulin [human]; rebuild it\n"
        assert outcome.stdout == ""


def test_database_path_with_uri_characters(tmp_path: Path) -> None:
    folder = tmp_path / "odd #?% name"
    folder.mkdir()
    shutil.copy(BUNDLED_DATABASE, folder / "n#b?.db")
    assert run("--db", str(folder / "n#b?.db"), "show", "ceraxon", "--json").json()["drug"]["id"] == "ceraxon"


# --- interruption and pipes ---------------------------------------------------------------------


def test_ctrl_c_exits_130_without_traceback() -> None:
    script = Path(sys.executable).parent / "nmref"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "nmref"]
    process = subprocess.Popen(
        [*command, "show", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdin.write("ceraxon\n")
    process.stdin.flush()
    first = process.stdout.readline()  # a reader takes each record as it comes
    time.sleep(1.5)  # waiting on stdin for the next name
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert json.loads(first)["drug"]["id"] == "ceraxon"


def test_stdin_closed_early_is_not_an_error() -> None:
    result = run_installed("show", "--json", "-", input="")
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""


# --- concurrency --------------------------------------------------------------------------------


@pytest.mark.slow
def test_lookups_during_a_rebuild_all_succeed(project_copy: Path) -> None:
    """50 lookups while the database is rebuilt and renamed into place: each sees a whole
    database, old or new, and none fails."""
    out = project_copy / "live.db"
    assert build(project_copy, out).returncode == 0
    env = {**os.environ, "NMREF_DB": str(out)}
    script = Path(sys.executable).parent / "nmref"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "nmref"]

    def lookup(_: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, "show", "ceraxon", "--json"], capture_output=True, text=True, env=env, timeout=120
        )

    rebuilds = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(lookup, i) for i in range(50)]
        while not all(f.done() for f in futures):
            rebuilds.append(build(project_copy, out).returncode)
        results = [f.result() for f in futures]
    assert rebuilds and set(rebuilds) == {0}
    for result in results:
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["drug"]["id"] == "ceraxon"


def test_every_registered_command_is_covered_by_the_hostile_input_test() -> None:
    registered = set(typer.main.get_command(app).commands)
    covered = set(NAME_COMMANDS) | {"class", "search", "for", "check", "compare", "schema", "drugs"}
    # serve and mcp take no text to be hostile with (their pages and tools: test_web.py, test_mcp.py)
    assert registered - covered <= {"classes", "sources", "side-effects", "serve", "mcp"}
