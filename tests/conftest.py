"""Shared test helpers: run the CLI in-process, build small databases from the real schema."""

from __future__ import annotations

import importlib.util
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

from nmref.cli import app
from nmref.query import BUNDLED_DATABASE

ROOT = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = ROOT / "scripts" / "build_db.py"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def ndjson(self) -> list[Any]:
        return [json.loads(line) for line in self.stdout.splitlines()]


def run(*args: str, code: int = 0, input: str | None = None, env: dict[str, str] | None = None) -> Outcome:
    """Run nmref in-process; fail loudly, with stderr and any exception, on an unexpected exit code."""
    result = CliRunner().invoke(app, list(args), input=input, env=env, prog_name="nmref")
    outcome = Outcome(result.exit_code, result.stdout, result.stderr)
    if result.exit_code != code:
        raise AssertionError(
            f"nmref {' '.join(args)} exited {result.exit_code}, expected {code}\n"
            f"stderr: {result.stderr}\nstdout: {result.stdout[:2000]}\nexception: {result.exception!r}"
        )
    return outcome


def run_installed(
    *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script (falls back to `python -m nmref` beside this interpreter)."""
    script = Path(sys.executable).parent / "nmref"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "nmref"]
    return subprocess.run(command + list(args), input=input, capture_output=True, text=True, env=env, timeout=60)


def build(root: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--root", str(root), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def load_build_module() -> ModuleType:
    """scripts/build_db.py as a module, for its functions."""
    spec = importlib.util.spec_from_file_location("build_db", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_db"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A scratch copy of the curated tables, schema and seeds, for breaking on purpose."""
    for part in ("db", "seeds"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


@pytest.fixture(scope="session")
def bundled() -> sqlite3.Connection:
    conn = sqlite3.connect(BUNDLED_DATABASE.resolve().as_uri() + "?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(argv: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A server started with `argv`, once it accepts connections on this machine's `port`;
    stopped on the way out."""
    with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
                    time.sleep(0.1)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=30)


def facts_of(answer: dict[str, Any], drug_id: str) -> list[dict[str, Any]]:
    """The stated uses of one drug in a `for --json` answer; fails naming the drugs reached."""
    for drug in answer["drugs"]:
        if drug["id"] == drug_id:
            return drug["indications"]
    raise AssertionError(f"{drug_id} not reached: {[drug['id'] for drug in answer['drugs']]}")
