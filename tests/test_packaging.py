"""The wheel users install carries the database and the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from nmref import query


@pytest.mark.slow
def test_wheel_ships_the_bundled_database_and_the_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("nmref-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("nmref/data/nmref.db") == query.BUNDLED_DATABASE.read_bytes()
        entry_points = next(name for name in archive.namelist() if name.endswith("entry_points.txt"))
        assert "nmref = nmref.launcher:main" in archive.read(entry_points).decode()
        shipped = {name for name in archive.namelist() if name.startswith("nmref/schemas/")}
        assert {"nmref/schemas/show.schema.json", "nmref/schemas/defs.schema.json"} <= shipped


def test_drug_names_complete_from_the_database() -> None:
    conn = query.connect()
    assert "Ceraxon" in query.complete_drug_names(conn, "cera")
    assert "Цераксон" in query.complete_drug_names(conn, "Цер")
    assert query.complete_drug_names(conn, "zzzz") == []
