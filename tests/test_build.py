"""scripts/build_db.py: the bundled database is exactly what today's curated files build, and
every kind of broken input is refused with file:line, leaving the previous database untouched."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BUILD_SCRIPT, ROOT, build, load_build_module
from nmref.query import BUNDLED_DATABASE


def content(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_bundled_database_is_what_the_curated_files_build(tmp_path: Path) -> None:
    result = build(ROOT, tmp_path / "fresh.db")
    assert result.returncode == 0, result.stderr
    assert content(tmp_path / "fresh.db") == content(BUNDLED_DATABASE), (
        "src/nmref/data/nmref.db is stale: run `python scripts/build_db.py` and commit it"
    )


def test_two_builds_give_identical_files(tmp_path: Path) -> None:
    for name in ("one.db", "two.db"):
        assert build(ROOT, tmp_path / name).returncode == 0
    assert (tmp_path / "one.db").read_bytes() == (tmp_path / "two.db").read_bytes()


@pytest.fixture
def previous(project_copy: Path) -> Path:
    """A good database built from the scratch copy, which each test then tries to replace."""
    out = project_copy / "out.db"
    assert build(project_copy, out).returncode == 0
    return out


def append_row(project: Path, table: str, row: list[str]) -> int:
    path = project / "db" / "curated" / table
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\t".join(row) + "\n", encoding="utf-8")
    return len(text.splitlines()) + 1


def replace_in(project: Path, relative: str, old: str, new: str) -> int:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def assert_refused(project: Path, out: Path, expected: str) -> str:
    before = out.read_bytes()
    result = build(project, out)
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_bytes() == before, "a failed build changed the previous database"
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".nmref-build-")] == []
    return result.stderr


@pytest.mark.parametrize(
    ("table", "row", "problem"),
    [
        pytest.param(
            "names.tsv",
            ["Ceraksonn", "ceraxon", "spelling", "ceraxon-article", "20", "Ceraksonn", ""],
            "quote not found verbatim in ceraxon-article",
            id="quote-not-verbatim",
        ),
        pytest.param(
            "names.tsv",
            ["Cerakson X", "ceraxon", "spelling", "ceraxon-article", "19", "Cerakson", ""],
            "quote is in ceraxon-article at line 20",
            id="quote-on-the-wrong-line",
        ),
        pytest.param(
            "names.tsv",
            ["Zzz", "no-such-drug", "spelling", "ceraxon-article", "20", "Cerakson", ""],
            "unknown drug 'no-such-drug'",
            id="unknown-drug",
        ),
        pytest.param(
            "drug_classes.tsv",
            ["riboxin", "no-such-class", "mildronate-article", "67", "such as Riboxin", ""],
            "unknown class 'no-such-class'",
            id="unknown-class",
        ),
        pytest.param(
            "names.tsv",
            ["Zzz", "ceraxon", "spelling", "no-such-source", "20", "Cerakson", ""],
            "unknown source 'no-such-source'",
            id="unknown-source",
        ),
        pytest.param(
            "names.tsv",
            # "CERAKSON" folds to the key of Ceraxon's spelling "Cerakson".
            ["CERAKSON", "piracetam", "spelling", "ceraxon-article", "20", "Cerakson", ""],
            "name 'CERAKSON' would name two drugs",
            id="two-drugs-sharing-a-name",
        ),
        pytest.param(
            "forms.tsv",
            ["x-form", "ceraxon", "", "ceraxon-article", "20", "Cerakson", "", ""],
            "text is empty",
            id="empty-required-field",
        ),
        pytest.param(
            "label_dosing.tsv",
            ["x-dose", "ceraxon", "Take 500 mg", "ceraxon-article", "20", "Cerakson", "", "", ""],
            "text restates a dose amount",
            id="dose-amount-outside-a-quote",
        ),
        pytest.param("forms.tsv", ["only", "three", "fields"], "3 fields, expected 8", id="broken-row-syntax"),
    ],
)
def test_a_bad_row_is_refused_naming_its_file_and_line(
    project_copy: Path, previous: Path, table: str, row: list[str], problem: str
) -> None:
    line = append_row(project_copy, table, row)
    assert_refused(project_copy, previous, f"{table}:{line}: {problem}")


def test_changed_seed_is_refused(project_copy: Path, previous: Path) -> None:
    seed = project_copy / "seeds" / "001_fc81154dc66ec622.txt"
    seed.write_bytes(seed.read_bytes().replace(b"pig brain", b"cow brain"))
    line = next(
        i
        for i, text in enumerate((project_copy / "db/curated/sources.tsv").read_text().splitlines(), 1)
        if "001_" in text
    )
    assert_refused(project_copy, previous, f"sources.tsv:{line}: 001_fc81154dc66ec622.txt has changed")


def test_bad_encoding_is_refused(project_copy: Path, previous: Path) -> None:
    path = project_copy / "db/curated/forms.tsv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2] + b"\xff\xfe"
    path.write_bytes(b"\n".join(lines))
    assert_refused(project_copy, previous, "forms.tsv:3: not UTF-8")


def test_duplicate_key_is_refused(project_copy: Path, previous: Path) -> None:
    first = (project_copy / "db/curated/forms.tsv").read_text(encoding="utf-8").splitlines()[1]
    line = append_row(project_copy, "forms.tsv", first.split("\t"))
    assert_refused(project_copy, previous, f"forms.tsv:{line}: duplicate id")


def test_a_link_repeated_whole_is_refused(project_copy: Path, previous: Path) -> None:
    """A link to a drug as a whole has NULL fact columns, which SQLite's UNIQUE lets through twice."""
    whole_drug_link = next(
        text
        for text in (project_copy / "db/curated/caveat_links.tsv").read_text(encoding="utf-8").splitlines()
        if text.endswith("\t\t")
    )
    line = append_row(project_copy, "caveat_links.tsv", whole_drug_link.split("\t"))
    assert_refused(project_copy, previous, f"caveat_links.tsv:{line}: duplicate row (the same as line")


def test_duplicate_column_is_refused(project_copy: Path, previous: Path) -> None:
    replace_in(project_copy, "db/curated/forms.tsv", "id\tdrug_id\ttext", "id\tdrug_id\tdrug_id")
    assert_refused(project_copy, previous, "forms.tsv:1: duplicate column(s): drug_id")


def test_caveat_pointing_at_a_missing_fact_is_refused(project_copy: Path, previous: Path) -> None:
    row = ["nmt-four-weeks-claim", "ceraxon", "indications", "no-such-fact"]
    line = append_row(project_copy, "caveat_links.tsv", row)
    assert_refused(
        project_copy,
        previous,
        f"caveat_links.tsv:{line}: caveat nmt-four-weeks-claim points at indications:no-such-fact",
    )


def test_caveat_linked_for_a_drug_the_fact_is_not_about_is_refused(project_copy: Path, previous: Path) -> None:
    line = append_row(
        project_copy,
        "caveat_links.tsv",
        ["nmt-four-weeks-claim", "mildronate", "indications", "ceraxon-ind-cns-disorders"],
    )
    assert_refused(
        project_copy, previous, f"caveat_links.tsv:{line}: caveat nmt-four-weeks-claim is linked for 'mildronate'"
    )


def test_a_label_fact_without_citations_is_refused(project_copy: Path, previous: Path) -> None:
    notes = (project_copy / "seeds/reference/label-notes.md").read_text(encoding="utf-8").split("\n")
    number = next(i for i, text in enumerate(notes, 1) if text.startswith("- contraindication: status epilepticus"))
    row = [
        "x-ci",
        "cerebrolysin",
        "Status epilepticus",
        "absolute",
        "",
        "label-notes",
        str(number),
        notes[number - 1],
        "",
        "",
        "",
    ]
    line = append_row(project_copy, "contraindications.tsv", row)
    assert_refused(project_copy, previous, f"contraindications.tsv:{line}: a fact from the notes must cite the pages")


def test_a_label_fact_whose_quote_is_not_in_the_notes_is_refused(project_copy: Path, previous: Path) -> None:
    row = [
        "x-ci",
        "cerebrolysin",
        "Made up",
        "absolute",
        "",
        "label-notes",
        "20",
        "- contraindication: made up [S202]",
        "",
        "",
        "S202",
    ]
    line = append_row(project_copy, "contraindications.tsv", row)
    assert_refused(project_copy, previous, f"contraindications.tsv:{line}: quote not found verbatim in label-notes")


def test_full_disk_leaves_previous_database_and_no_temporary_file(
    project_copy: Path, previous: Path, monkeypatch
) -> None:
    module = load_build_module()
    before = previous.read_bytes()

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(module.os, "fsync", no_space)
    with pytest.raises(OSError, match="No space left"):
        module.build(project_copy, previous)
    assert previous.read_bytes() == before
    assert [p.name for p in previous.parent.iterdir() if p.name.startswith(".nmref-build-")] == []


def test_full_disk_is_reported_in_one_line(project_copy: Path, previous: Path, monkeypatch, capsys) -> None:
    module = load_build_module()
    monkeypatch.setattr(
        module.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device"))
    )
    assert module.main(["--root", str(project_copy), "--out", str(previous)]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "left as it was" in err
    assert "Traceback" not in err


def test_killed_build_leaves_previous_database_intact(project_copy: Path, previous: Path) -> None:
    before = previous.read_bytes()
    for delay in (0.05, 0.2, 0.4):
        process = subprocess.Popen(
            [sys.executable, str(BUILD_SCRIPT), "--root", str(project_copy), "--out", str(previous)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        # Builds are deterministic, so a kill after the rename leaves these same bytes too.
        assert previous.read_bytes() == before
    # A later build sweeps up whatever a kill in mid-write could have left.
    assert build(project_copy, previous).returncode == 0
    assert [p.name for p in previous.parent.iterdir() if p.name.startswith(".nmref-build-")] == []
    assert previous.read_bytes() == before


def test_bundled_database_is_not_writable_by_others() -> None:
    assert not (BUNDLED_DATABASE.stat().st_mode & 0o022)


def test_build_reports_every_problem_not_just_the_first(project_copy: Path, previous: Path) -> None:
    append_row(project_copy, "names.tsv", ["Zzz1", "no-such-drug", "spelling", "ceraxon-article", "20", "Cerakson", ""])
    append_row(project_copy, "names.tsv", ["Zzz2", "ceraxon", "spelling", "ceraxon-article", "20", "Ceraksonn", ""])
    stderr = assert_refused(project_copy, previous, "unknown drug 'no-such-drug'")
    assert "quote not found verbatim" in stderr
    assert "2 problem(s)" in stderr


def test_build_runs_from_anywhere(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--out", str(tmp_path / "x.db")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
