"""Hardening III: the newer commands, the web pages and the build under hostile input. Each test
failed on the code before its fix."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import build, load_build_module, run
from test_build import append_row
from test_robustness import assert_one_clean_line, invoke
from test_terminal import ANSI, in_terminal

# --- command line ------------------------------------------------------------------------------


def test_a_name_typed_twice_is_checked_once() -> None:
    """(Repeated conditions: tests/test_web_hardening.py.)"""
    twice = run("check", "warfarin", "Warfarin", "aspirin", "--json").json()
    assert [drug["name"] for drug in twice["drugs"]] == ["Warfarin", "Acetylsalicylic acid"]
    assert len(twice["verdicts"]) == 1


def test_a_check_beyond_its_bounds_is_a_usage_error() -> None:
    many = [f"--condition=c{i}" for i in range(6)]
    outcome = run("check", "cerebrolysin", *many, code=2)
    assert "at most 5 different conditions at once (6 given)" in outcome.stderr


def test_compare_bounds_its_width_whatever_columns_says() -> None:
    code, shown = in_terminal("--no-pager", "compare", "ceraxon", "cerebrolysin", env={"COLUMNS": "999999"})
    assert code == 0
    assert max(len(ANSI.sub("", line)) for line in shown.splitlines()) <= 400


def test_search_collapses_repeated_words() -> None:
    one = run("search", "stroke", "--json").json()["hits"]
    many = run("search", " ".join(["stroke"] * 8000), "--json").json()["hits"]
    assert many == one


def test_a_pager_command_that_does_not_parse_is_no_traceback() -> None:
    code, shown = in_terminal("show", "mildronate", env={"NMREF_PAGER": 'less "'})
    assert code == 0 and "Traceback" not in shown and "Key safety facts" in shown


def test_a_long_schema_name_is_echoed_short() -> None:
    outcome = invoke("schema", "x" * 100_000 + "\x1b")
    assert outcome.returncode == 2 and len(outcome.stderr) < 400
    assert_one_clean_line(outcome.stderr)


@pytest.mark.parametrize("home", ["", None])
def test_install_completion_without_a_home_refuses(home: str | None, tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "HOME"}
    if home is not None:
        env["HOME"] = home
    done = subprocess.run(
        [sys.executable, "-m", "nmref", "--install-completion", "bash"], capture_output=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 2 and b"HOME" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_out_of_memory_is_one_line_and_its_own_exit_code() -> None:
    script = (
        "import nmref.launcher\n"
        "def boom(): raise MemoryError\n"
        "nmref.launcher.run = boom\n"
        "from nmref.launcher import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert done.returncode == 71 and done.stderr == b"nmref: out of memory\n"


def test_an_empty_host_is_a_usage_error() -> None:
    outcome = invoke("serve", "--host", "", "--port", "8199")
    assert outcome.returncode == 2 and b"address" in outcome.stderr
    assert_one_clean_line(outcome.stderr)


# --- the build ---------------------------------------------------------------------------------


def test_a_long_run_of_digits_is_read_in_linear_time() -> None:
    module = load_build_module()
    # Quadratic, this took minutes; linear, a blink. The test fails by its subprocess timeout.
    code = f"import re; p = re.compile({module.DOSE_AMOUNT.pattern!r}, re.I); p.search('1' * 200_000)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
    assert module.DOSE_AMOUNT.search("take 1.5 ml") and not module.DOSE_AMOUNT.search("version 12")


def test_a_curated_file_that_is_no_regular_file_is_refused(project_copy: Path, tmp_path: Path) -> None:
    forms = project_copy / "db" / "curated" / "forms.tsv"
    forms.unlink()
    forms.symlink_to("/dev/zero")
    done = build(project_copy, tmp_path / "out.db")
    assert done.returncode == 1 and "forms.tsv:1: not a regular file" in done.stderr


def test_a_source_url_that_is_not_http_is_refused(project_copy: Path, tmp_path: Path) -> None:
    append_row(project_copy, "sources.tsv", ["S9999", "reference", "x", "", "javascript:alert(1)", "", "not-a-label"])
    done = build(project_copy, tmp_path / "out.db")
    assert done.returncode == 1 and "is not an http or https address" in done.stderr


def test_the_build_will_not_replace_a_link_given_as_its_output(project_copy: Path, tmp_path: Path) -> None:
    target = tmp_path / "real.db"
    target.write_bytes(b"keep")
    link = tmp_path / "link.db"
    link.symlink_to(target)
    done = build(project_copy, link)
    assert done.returncode == 1 and "symbolic link" in done.stderr
    assert link.is_symlink() and target.read_bytes() == b"keep"


# --- web ---------------------------------------------------------------------------------------

web = pytest.importorskip("datasette", reason="the web extra is not installed")


def test_the_check_page_bounds_and_collapses_its_parameters() -> None:
    from test_web import get

    repeated = "&".join(["condition=pregnancy"] * 700)
    page = get(f"/-/nmref/check.json?drug=cerebrolysin&{repeated}")
    assert page.status_code == 200 and len(page.json()["conditions"]) == 1
    too_many = "&".join(f"condition=c{i}" for i in range(6))
    assert get(f"/-/nmref/check.json?drug=cerebrolysin&{too_many}").status_code == 400


def test_only_http_links_on_a_page(tmp_path: Path) -> None:
    """A database whose page address is a javascript: URL (the build refuses one; another
    database may hold it) shows it as text, never as a live link."""
    import shutil
    import sqlite3

    from nmref.query import BUNDLED_DATABASE
    from test_web import get, server

    hostile = tmp_path / "nmref.db"
    shutil.copyfile(BUNDLED_DATABASE, hostile)
    with sqlite3.connect(hostile) as conn:
        url = conn.execute("SELECT url FROM sources WHERE id = 'S202'").fetchone()[0]
        conn.execute("UPDATE sources SET url = 'javascript:alert(1)' WHERE id = 'S202'")
        conn.execute("UPDATE monographs SET body = replace(body, ?, 'javascript:alert(1)')", [url])
    html = get("/-/nmref/drug/cerebrolysin", server(hostile)).text
    assert "S202" in html and "javascript:alert(1)" in html
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert hrefs and all(h.startswith(("http://", "https://", "/", "#")) for h in hrefs)


def test_a_damaged_database_behind_a_page_is_a_503(tmp_path: Path) -> None:
    import shutil
    import sqlite3

    from nmref.query import BUNDLED_DATABASE
    from test_web import get, server

    damaged = tmp_path / "nmref.db"
    shutil.copyfile(BUNDLED_DATABASE, damaged)
    with sqlite3.connect(damaged) as conn:
        conn.execute("DROP TABLE interaction_management")
    page = get("/-/nmref/check.json?drug=warfarin&drug=aspirin", server(damaged))
    assert page.status_code == 503 and page.json()["error"]["status"] == 503
