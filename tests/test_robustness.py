"""Hardening II: nothing from outside reaches the terminal raw, and no input, stream, signal or
damaged database ends in a traceback. Each test drives the installed command, as a hostile user
or a broken environment would."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, build, run
from nmref.query import BUNDLED_DATABASE
from test_build import append_row, replace_in

# Raw control characters no stream may carry (newline and tab are text).
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")
EXIT_CODES = {0, 1, 2, 3, 71, 74, 130, 143}


def nmref_argv() -> list[str]:
    script = Path(sys.executable).parent / "nmref"
    return [str(script)] if script.exists() else [sys.executable, "-m", "nmref"]


def invoke(*args: str | bytes, stdin: bytes | int | None = b"", env: dict[str, str] | None = None, **kwargs):
    """The installed nmref as a process, bytes in and out."""
    return subprocess.run(
        [*nmref_argv(), *args],
        input=stdin if isinstance(stdin, bytes) else None,
        stdin=None if isinstance(stdin, bytes) else stdin,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        **kwargs,
    )


def assert_one_clean_line(stderr: bytes) -> None:
    assert b"Traceback" not in stderr, stderr[-500:]
    assert stderr.count(b"\n") <= 1 and not RAW_CONTROL.search(stderr), stderr
    if stderr:
        assert stderr.startswith(b"nmref: "), stderr


# --- 1. terminal control injection -----------------------------------------------------------------

OSC52 = "\x1b]52;c;aGVsbG8=\x07"


@pytest.mark.parametrize("where", ["option", "environment"])
def test_a_hostile_database_path_is_printed_escaped(where: str, tmp_path: Path) -> None:
    path = str(tmp_path / f"{OSC52}\x1b[2J.db")
    args, env = (["--db", path], None) if where == "option" else ([], {"NMREF_DB": path})
    done = invoke(*args, "show", "ceraxon", env=env)
    assert done.returncode == 3
    assert_one_clean_line(done.stderr)
    assert b"\\u001b]52" in done.stderr


def hostile_copy(tmp_path: Path) -> Path:
    """The bundled database with escape sequences in its fingerprint, its schema version's
    neighbour rows and a drug name that "did you mean" will offer."""
    path = tmp_path / "hostile.db"
    source = sqlite3.connect(BUNDLED_DATABASE)
    target = sqlite3.connect(path)
    source.backup(target)
    target.execute("UPDATE meta SET value = ? WHERE key = 'data_fingerprint'", [f"{OSC52}fp"])
    target.execute("UPDATE drug_names SET name = ? WHERE key = 'ceraxon'", ["Ceraxon\x1b[2J"])
    target.commit()
    target.close()
    return path


def test_text_read_from_a_database_is_printed_escaped(tmp_path: Path) -> None:
    path = str(hostile_copy(tmp_path))
    version = invoke("--db", path, "--version")
    assert version.returncode == 0 and not RAW_CONTROL.search(version.stdout) and b"\\u001b]52" in version.stdout
    suggestion = invoke("--db", path, "show", "ceraxonn")
    assert suggestion.returncode == 1
    assert_one_clean_line(suggestion.stderr)
    wrong_version = tmp_path / "version.db"
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", ["3\x1b[2J"])
    conn.commit()
    conn.close()
    os.replace(path, wrong_version)
    done = invoke("--db", str(wrong_version), "show", "ceraxon")
    assert done.returncode == 3
    assert_one_clean_line(done.stderr)


# --- 2. encoding -------------------------------------------------------------------------------------


def test_a_bad_line_in_a_batch_is_an_error_record_and_the_batch_goes_on() -> None:
    done = invoke("show", "--json", "-", stdin=b"ceraxon\n\xff\xfe\x1b[2J\nmildronate\n")
    assert done.returncode == 1
    records = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert [r["command"] for r in records] == ["show", "error", "show"]
    assert records[1]["error"]["code"] == "not_utf8" and records[1]["query"].startswith("\\xff\\xfe")
    assert not RAW_CONTROL.search(done.stdout)


def test_json_is_utf8_whatever_the_locale_and_arguments() -> None:
    for env in ({"LANG": "C", "LC_ALL": "C"}, {"LC_ALL": "C.UTF-8"}, {"PYTHONIOENCODING": "ascii"}):
        done = invoke("show", "Цераксон", "--json", env=env)
        assert done.returncode == 0
        assert json.loads(done.stdout.decode("utf-8"))["drug"]["id"] == "ceraxon"
    done = invoke(b"show", b"cera\xffxon", b"--json")
    assert done.returncode == 1
    assert_one_clean_line(done.stderr)
    assert b"\\xff" in done.stderr


# --- 3. damaged or replaced databases -------------------------------------------------------------


@pytest.mark.parametrize("damage", ["nul", "truncated", "not-utf8"])
def test_a_damaged_monograph_is_never_written_out(damage: str, tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    conn = sqlite3.connect(path)
    sqlite3.connect(BUNDLED_DATABASE).backup(conn)
    body = conn.execute("SELECT body FROM monographs WHERE drug_id = 'ceraxon'").fetchone()[0].encode()
    broken = {"nul": body[:50] + b"\x00" + body[51:], "truncated": body[: len(body) // 2], "not-utf8": body + b"\xff"}
    conn.execute("DROP TRIGGER IF EXISTS x")
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute("UPDATE monographs SET body = CAST(? AS TEXT) WHERE drug_id = 'ceraxon'", [broken[damage]])
    conn.commit()
    conn.close()
    done = invoke("--db", str(path), "show", "ceraxon", "--json")
    assert done.returncode == 3 and done.stdout == b""
    assert_one_clean_line(done.stderr)


def test_a_fact_naming_a_missing_source_is_a_database_error(tmp_path: Path) -> None:
    path = tmp_path / "dangling.db"
    conn = sqlite3.connect(path)
    sqlite3.connect(BUNDLED_DATABASE).backup(conn)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("UPDATE indications SET source_id = 'gone' WHERE id = 'ceraxon-ind-cns-disorders'")
    conn.commit()
    conn.close()
    done = invoke("--db", str(path), "for", "central", "nervous", "--json")
    assert done.returncode == 3
    assert_one_clean_line(done.stderr)


def test_readers_while_the_database_is_replaced_by_rename(tmp_path: Path) -> None:
    """A reader loop while the database is replaced by rename, as the README says to update it:
    every answer is whole, valid JSON (exit 0) or one line and exit 3; never invalid output."""
    path = tmp_path / "live.db"
    path.write_bytes(BUNDLED_DATABASE.read_bytes())
    stop = time.monotonic() + 6
    replaced = 0

    def replace_repeatedly() -> None:
        nonlocal replaced
        while time.monotonic() < stop:
            fresh = tmp_path / "fresh.db"
            fresh.write_bytes(BUNDLED_DATABASE.read_bytes())
            os.replace(fresh, path)
            replaced += 1

    writer = threading.Thread(target=replace_repeatedly)
    writer.start()
    outcomes = []
    while time.monotonic() < stop:
        done = invoke("--db", str(path), "show", "mildronate", "--json")
        outcomes.append(done.returncode)
        if done.returncode == 0:
            assert json.loads(done.stdout)["drug"]["id"] == "mildronate"
        else:
            assert done.returncode == 3 and done.stdout == b""
            assert_one_clean_line(done.stderr)
    writer.join()
    assert replaced > 5 and outcomes.count(0) > 5, (replaced, outcomes)


# --- 4. paths and streams ---------------------------------------------------------------------------


def test_unopenable_paths_exit_3_with_one_line(tmp_path: Path) -> None:
    loop = tmp_path / "loop.db"
    loop.symlink_to(loop)
    for path in (str(tmp_path / ("x" * 300)), str(loop), str(tmp_path)):
        done = invoke("--db", path, "show", "ceraxon")
        assert done.returncode == 3, (path, done.stderr)
        assert_one_clean_line(done.stderr)
    assert b"symbolic links" in invoke("--db", str(loop), "show", "ceraxon").stderr


def test_a_full_disk_or_closed_stdout_exits_74_with_one_line() -> None:
    with open("/dev/full", "wb") as full:
        done = subprocess.run([*nmref_argv(), "show", "ceraxon", "--json"], stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 74
    assert_one_clean_line(done.stderr)
    closed = subprocess.run([*nmref_argv(), "drugs"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert closed.returncode == 0
    shut = subprocess.run(
        [*nmref_argv(), "show", "ceraxon"],
        stdout=None,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: os.close(1),
    )
    assert shut.returncode == 74
    assert_one_clean_line(shut.stderr)


def test_a_closed_stdin_is_an_empty_batch() -> None:
    done = subprocess.run([*nmref_argv(), "show", "--json", "-"], capture_output=True, preexec_fn=lambda: os.close(0))
    assert done.returncode == 0 and done.stdout == b"" and done.stderr == b""


def test_batch_misses_in_text_mode_say_nmref() -> None:
    done = invoke("show", "-", stdin=b"mildornate\n")
    assert done.returncode == 1 and done.stderr.startswith(b"nmref: no drug named")


# --- 5. signals ----------------------------------------------------------------------------------------


def test_sigterm_during_a_batch_ends_after_a_whole_record() -> None:
    with subprocess.Popen(
        [*nmref_argv(), "show", "--json", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        process.stdin.write(b"mildronate\n" * 200)
        process.stdin.flush()
        first = process.stdout.readline()
        process.send_signal(signal.SIGTERM)
        process.stdin.close()
        # Read through the same buffered reader as `first`: communicate() would read the pipe
        # directly and lose what readline had already buffered.
        rest, stderr = process.stdout.read(), process.stderr.read()
        process.wait(timeout=30)
    assert process.returncode == 143
    assert_one_clean_line(stderr)
    for line in [first, *rest.splitlines()]:
        assert json.loads(line)["drug"]["id"] == "mildronate", "a record was cut"


def handlers_installed(pid: int) -> bool:
    """Whether the process catches SIGTERM yet: Python does not by default, nmref's launcher does
    first thing (Linux's /proc says which signals a process catches)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True  # already gone
    caught = int(re.search(r"SigCgt:\s*([0-9a-f]+)", status)[1], 16)
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def test_ctrl_c_while_starting_up_is_one_line_and_130() -> None:
    with subprocess.Popen(
        [*nmref_argv(), "show", "ceraxon"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        deadline = time.monotonic() + 10
        while not handlers_installed(process.pid) and time.monotonic() < deadline:
            time.sleep(0.001)
        process.send_signal(signal.SIGINT)  # while typer and the query layer are still loading
        _, stderr = process.communicate(timeout=30)
    assert process.returncode in (0, 130)  # 0: it had already answered
    assert b"Traceback" not in stderr and stderr.count(b"\n") <= 1


# --- 6. unbounded work --------------------------------------------------------------------------------


def test_endless_stdin_and_huge_lines_stay_bounded() -> None:
    started = time.monotonic()
    zeros = invoke("show", "--json", "-", stdin=b"\0" * 20_000_000)
    assert zeros.returncode == 1 and time.monotonic() - started < 20
    assert [json.loads(line)["error"]["code"] for line in zeros.stdout.splitlines()] == ["too_long"]
    started = time.monotonic()
    cjk = invoke("show", "--json", "-", stdin=("漢" * 350_000 + "\nceraxon\n").encode())
    assert time.monotonic() - started < 10
    codes = [json.loads(line).get("error", {}).get("code") for line in cjk.stdout.splitlines()]
    assert codes == ["too_long", None]
    long_argument = invoke("show", "漢" * 30_000)
    assert long_argument.returncode == 1
    assert_one_clean_line(long_argument.stderr)


# --- 7. the build --------------------------------------------------------------------------------------


def refused(project: Path, out: Path, expected: str) -> None:
    done = build(project, out)
    assert done.returncode == 1 and expected in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_class_that_is_its_own_ancestor_is_refused(project_copy: Path, tmp_path: Path) -> None:
    replace_in(
        project_copy, "db/curated/classes.tsv", "nootropics\tNootropics\t\t", "nootropics\tNootropics\tnootropics\t"
    )
    refused(project_copy, tmp_path / "out.db", "is its own ancestor")


def test_a_schema_syntax_error_names_its_line(project_copy: Path, tmp_path: Path) -> None:
    line = replace_in(project_copy, "db/schema.sql", "CREATE TABLE drugs (", "CREATE TABLE drugs (( ")
    done = build(project_copy, tmp_path / "out.db")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    found = re.search(r"schema\.sql:(\d+): schema statement fails", done.stderr)
    assert found and line - 5 <= int(found[1]) <= line, done.stderr  # the statement, from its comment


def test_a_seed_that_is_not_utf8_names_its_line(project_copy: Path, tmp_path: Path) -> None:
    seed = project_copy / "seeds" / "001_fc81154dc66ec622.txt"
    seed.write_bytes(seed.read_bytes().replace(b"Contents", b"Cont\xffents"))
    done = build(project_copy, tmp_path / "out.db")
    assert done.returncode == 1 and "Traceback" not in done.stderr


def test_a_control_character_in_a_cell_is_refused(project_copy: Path, tmp_path: Path) -> None:
    line = append_row(
        project_copy, "forms.tsv", ["x\x00y", "ceraxon", "Form", "ceraxon-article", "1", "Ceraxon", "", ""]
    )
    refused(project_copy, tmp_path / "out.db", f"forms.tsv:{line}: id holds a control character")


def test_cr_only_line_endings_are_refused_with_a_message(project_copy: Path, tmp_path: Path) -> None:
    path = project_copy / "db" / "curated" / "forms.tsv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    refused(project_copy, tmp_path / "out.db", "forms.tsv:1:")


def test_two_builds_at_once_both_finish(project_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.db"
    builds = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "build_db.py"), "--root", str(project_copy), "--out", str(out)],
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for process in builds:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".nmref-build-")] == []
    assert sqlite3.connect(out).execute("SELECT count(*) FROM drugs").fetchone()[0] > 50


def test_a_killed_builds_temporary_file_is_ignored_by_git() -> None:
    done = subprocess.run(
        ["git", "check-ignore", "src/nmref/data/.nmref-build-abc123"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, "a temporary file a killed build leaves would show in git status"


# --- a fuzz over arguments, environment and stdin --------------------------------------------------------

ARGUMENTS = st.lists(
    st.one_of(
        st.sampled_from(["show", "check", "for", "search", "class", "compare", "-", "--json", "--db", "--color", "x"]),
        st.text(max_size=12),
    ),
    max_size=5,
)
ENVIRONMENT = st.fixed_dictionaries(
    {},
    optional={
        "NMREF_PAGER": st.sampled_from(["", "cat", "false", "\x1b[2J"]),
        "NO_COLOR": st.just("1"),
        "COLUMNS": st.sampled_from(["0", "-1", "abc", "5"]),
        "LANG": st.sampled_from(["C", "C.UTF-8", "xx_XX.bogus"]),
        "_NMREF_COMPLETE": st.sampled_from(["garbage", ""]),
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=ARGUMENTS, env=ENVIRONMENT, stdin=st.binary(max_size=200))
def test_fuzz_arguments_environment_and_stdin(args: list[str], env: dict[str, str], stdin: bytes) -> None:
    safe = [arg.replace("\x00", "") for arg in args]
    done = invoke(*safe, stdin=stdin, env=env)
    assert done.returncode in EXIT_CODES, (safe, env, done.returncode, done.stderr[-300:])
    assert b"Traceback" not in done.stderr, done.stderr[-500:]
    assert not RAW_CONTROL.search(done.stderr), done.stderr
    if "--json" in safe and done.returncode == 0 and done.stdout:
        for line in done.stdout.decode("utf-8").splitlines():
            json.loads(line)


def test_the_readme_exit_code_table_lists_every_code() -> None:
    table = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in sorted(EXIT_CODES):
        assert f"| {code} |" in table, code
    assert run("show", "mildornate", code=1)
