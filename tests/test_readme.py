"""The README stays true: every `$ nmref ...` example in its console blocks runs, and the output
lines it shows are nmref's own, in order (`...` stands for lines left out, and a line ending in
`...` for the rest of that line)."""

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, list[str]]]:
    """(command line, the output lines shown under it) for every example in the README."""
    found: list[tuple[str, list[str]]] = []
    for block in BLOCK.findall(README.read_text(encoding="utf-8")):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif found:
                found[-1][1].append(line)
    return found


def shown_in_order(expected: list[str], actual: list[str]) -> str | None:
    """None when the expected lines stand in `actual` in order, else the first that does not."""
    position = 0
    for line in expected:
        if line.strip() == "...":
            continue
        prefix = line[:-3].rstrip() if line.endswith("...") else None
        while position < len(actual) and not (
            actual[position].startswith(prefix) if prefix is not None else actual[position] == line
        ):
            position += 1
        if position == len(actual):
            return line
        position += 1
    return None


def piped_through(words: list[str]) -> list[str]:
    """An example piped into jq: nmref's JSON, through the real jq (CI installs it)."""
    if shutil.which("jq") is None:
        if os.environ.get("CI"):
            pytest.fail("jq is not installed, and CI must run every README example")
        pytest.skip("jq is not installed (apt-get install jq) to run this README example")
    bar = words.index("|")
    outcome = run(*words[1:bar])
    done = subprocess.run(words[bar + 1 :], input=outcome.stdout, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_the_readme_has_examples() -> None:
    assert len(examples()) > 20


@pytest.mark.parametrize(("command", "expected"), examples(), ids=[command for command, _ in examples()])
def test_readme_example_is_nmrefs_own_output(command: str, expected: list[str]) -> None:
    words = shlex.split(command, comments=True)
    assert words[0] == "nmref", command
    if "|" in words:
        actual = piped_through(words)
    else:
        # An example that shows a "no ... named" message is a miss: exit 1.
        missed = any(line.startswith("nmref: no ") for line in expected)
        outcome = run(*words[1:], code=1 if missed else 0)
        actual = (outcome.stdout + outcome.stderr).splitlines()
    missing = shown_in_order(expected, actual)
    assert missing is None, f"README shows {missing!r} under `{command}`, which nmref does not print there"
