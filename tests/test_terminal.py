"""The monograph as a person reads it at a terminal: driven in a real pseudo-terminal of 80x24,
with the pager replaced by a script that records what it was given."""

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from conftest import run

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
COLOUR = re.compile(r"\x1b\[[0-9;]*?(?:3[0-8]|9[0-7])[;m]")
CITATION = re.compile(r"\[[a-z-]+, line \d+\]")


def nmref_argv() -> list[str]:
    script = Path(sys.executable).parent / "nmref"
    return [str(script)] if script.exists() else [sys.executable, "-m", "nmref"]


def in_terminal(*args: str, env: dict[str, str] | None = None, columns: int = 80, rows: int = 24) -> tuple[int, str]:
    """Run nmref with stdout and stderr on a pseudo-terminal of the given size: (exit code, output)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows), **(env or {})}
    if "NO_COLOR" not in (env or {}):
        environment.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [*nmref_argv(), *args], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=environment, close_fds=True
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            process.kill()
            raise AssertionError(f"nmref {' '.join(args)} hung")
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return process.wait(timeout=30), b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")


@pytest.fixture
def recording_pager(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """NMREF_PAGER set to a script that saves what it is given (and shows nothing)."""
    saved = tmp_path / "paged.txt"
    return {"NMREF_PAGER": f"sh -c 'cat > {saved}'"}, saved


def test_a_long_monograph_goes_through_the_pager(recording_pager: tuple[dict[str, str], Path]) -> None:
    env, saved = recording_pager
    code, shown = in_terminal("show", "mildronate", env=env)
    assert code == 0 and shown.strip() == ""
    paged = ANSI.sub("", saved.read_text(encoding="utf-8"))
    assert paged.startswith("Mildronate") and "Key safety facts" in paged


def test_no_pager_and_a_short_answer_write_directly(recording_pager: tuple[dict[str, str], Path]) -> None:
    env, saved = recording_pager
    code, shown = in_terminal("--no-pager", "show", "mildronate", env=env)
    assert code == 0 and "Key safety facts" in shown and not saved.exists()
    code, shown = in_terminal("class", "antioxidants", env=env)
    assert code == 0 and "Emoxipin" in shown and not saved.exists()


def test_the_first_screen_is_the_summary(recording_pager: tuple[dict[str, str], Path]) -> None:
    env, saved = recording_pager
    in_terminal("show", "mildronate", env=env)
    first_screen = ANSI.sub("", saved.read_text(encoding="utf-8")).splitlines()[:24]
    text = "\n".join(first_screen)
    assert "Sport:" in text and "Contraindicated (labels)" in text
    assert "Forms" not in first_screen and "Sources cited" not in text


def test_wrapping_keeps_citations_whole_and_indents_continuations(recording_pager: tuple[dict[str, str], Path]) -> None:
    env, saved = recording_pager
    in_terminal("show", "mildronate", env=env)
    lines = ANSI.sub("", saved.read_text(encoding="utf-8")).splitlines()
    # Only a URL longer than the screen may pass its edge, alone on its line, unbroken.
    assert all(len(line) <= 80 or re.fullmatch(r" *https?://\S+", line) for line in lines)
    assert sum(len(CITATION.findall(line)) for line in lines) > 100
    for line in lines:
        assert not re.search(r"\[[a-z-]+,( line)?$", line.rstrip()), f"a citation is split: {line!r}"
    bullets = [i for i, line in enumerate(lines) if line.startswith("  • ")]
    continued = [
        lines[i + 1] for i in bullets if lines[i + 1].strip() and not lines[i + 1].startswith(("  • ", "    "))
    ]
    assert not continued, f"a bullet's continuation lost its indent: {continued[:3]}"


def test_colour_follows_the_option_and_no_color() -> None:
    _, coloured = in_terminal("--no-pager", "contraindications", "ceraxon")
    assert "\x1b[" in coloured
    _, plain = in_terminal("--no-pager", "--color", "never", "contraindications", "ceraxon")
    assert "\x1b[" not in plain and "Severe vagotonia" in plain
    _, no_color = in_terminal("--no-pager", "contraindications", "ceraxon", env={"NO_COLOR": "1"})
    assert not COLOUR.search(no_color) and COLOUR.search(coloured)  # NO_COLOR: bold may stay, colour goes
    assert "\x1b[" in run("--color", "always", "contraindications", "ceraxon").stdout


def test_brief_is_the_summary_alone() -> None:
    brief = run("show", "cerebrolysin", "--brief").stdout
    assert "Key safety facts" in brief and "Contraindicated (labels)" in brief
    assert "Indications" not in brief and "Sources cited" not in brief
    assert "--brief" in run("show", "cerebrolysin", "--brief", "--json", code=2).stderr


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_text_views_survive_an_encoding_that_cannot_hold_them(encoding: str) -> None:
    for args in (["show", "ceraxon"], ["show", "ceraxon", "--json"], ["for", "stroke"]):
        done = subprocess.run(
            [*nmref_argv(), *args], capture_output=True, env={**os.environ, "PYTHONIOENCODING": encoding}
        )
        assert done.returncode == 0 and b"Traceback" not in done.stderr, (args, done.stderr[-300:])
    locale_c = subprocess.run([*nmref_argv(), "show", "Цераксон"], capture_output=True, env={**os.environ, "LANG": "C"})
    assert locale_c.returncode == 0 and b"Traceback" not in locale_c.stderr


def test_conventions() -> None:
    assert run("-h").stdout == run("--help").stdout
    assert "Usage" in run("show", "-h").stdout and "Example" in run("show", "-h").stdout
    bare = run()
    assert "Usage" in bare.stdout and bare.stderr == ""
    # A first screen, not the full help: it fits 80x24 and says where the rest is.
    assert len(bare.stdout.splitlines()) <= 22 and all(len(line) <= 80 for line in bare.stdout.splitlines())
    assert "nmref --help" in bare.stdout and "nmref check cerebrolysin --condition G40" in bare.stdout
    full = run("--help").stdout
    assert all(command in full for command in ("show", "check", "for", "compare", "search", "serve", "schema"))
    misplaced = run("--json", "show", "ceraxon", code=2).stderr
    assert "go after it: nmref show ... --json" in misplaced and "Possible options" not in misplaced


@pytest.mark.parametrize(
    ("typed", "suggested"), [("cancer", None), ("psoriasis", None), ("diabetes", None), ("strke", "Stroke (I60-I64)")]
)
def test_condition_suggestions_come_from_condition_wording(typed: str, suggested: str | None) -> None:
    message = run("for", typed, code=1).stderr
    assert ("did you mean" in message) == bool(suggested)
    if suggested:
        assert suggested in message


def test_compare_puts_drugs_side_by_side_on_a_wide_terminal() -> None:
    _, wide = in_terminal("--no-pager", "compare", "ceraxon", "cerebrolysin", columns=120, rows=500)
    heading = next(line for line in ANSI.sub("", wide).splitlines() if line.startswith("Ceraxon"))
    assert "Cerebrolysin" in heading, "the drugs are columns"
    _, narrow = in_terminal("--no-pager", "compare", "ceraxon", "cerebrolysin", columns=50, rows=500)
    lines = ANSI.sub("", narrow).splitlines()
    assert "Ceraxon" in lines and "Cerebrolysin" in lines, "a narrow screen stacks them"


def test_compare_json_holds_each_drugs_monograph_facts() -> None:
    answer = run("compare", "ceraxon", "cerebrolysin", "mildronate", "--json").json()
    assert [entry["drug"]["id"] for entry in answer["drugs"]] == ["ceraxon", "cerebrolysin", "mildronate"]
    shown = run("show", "cerebrolysin", "--json").json()
    for section in answer["sections"]:
        assert section["facts"][1] == shown[section["section"]]
    assert "two or three" in run("compare", "ceraxon", code=2).stderr


def bash_completions(*words: str) -> list[str]:
    """What the real bash completion function offers after `words` (the last one being typed)."""
    script = subprocess.run([*nmref_argv(), "--show-completion", "bash"], capture_output=True, text=True).stdout
    program = "\n".join(
        [
            script,
            "COMP_WORDS=(" + " ".join(f"'{word}'" for word in words) + ")",
            f"COMP_CWORD={len(words) - 1}",
            "_nmref_completion nmref",
            'printf "%s\\n" "${COMPREPLY[@]}"',
        ]
    )
    path = os.pathsep.join([str(Path(nmref_argv()[0]).parent), os.environ.get("PATH", "")])
    done = subprocess.run(
        ["bash", "--norc", "-c", program], capture_output=True, text=True, env={**os.environ, "PATH": path}
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


@pytest.mark.skipif(not Path(nmref_argv()[0]).name == "nmref", reason="needs the installed nmref script")
def test_bash_completion_of_names_in_any_case_script_and_words() -> None:
    assert "ceraxon" in bash_completions("nmref", "show", "cera")
    assert bash_completions("nmref", "show", "Цера") == ["Цераксон"]
    assert bash_completions("nmref", "show", "Acetylsal") == ["Acetylsalicylic\\ acid"]
    assert "antioxidants" in bash_completions("nmref", "class", "antiox")
    assert "show" in bash_completions("nmref", "sh")


def test_install_completion_for_the_shell_named(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run([*nmref_argv(), "--install-completion", "zsh"], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and "zsh completion installed" in done.stdout
    assert (tmp_path / ".zfunc" / "_nmref").is_file() and not (tmp_path / ".bashrc").exists()
    assert "_NMREF_COMPLETE=complete_zsh" in (tmp_path / ".zfunc" / "_nmref").read_text()


def test_a_stray_completion_variable_does_not_break_commands() -> None:
    done = subprocess.run(
        [*nmref_argv(), "show", "ceraxon", "--json"], capture_output=True, env={**os.environ, "_NMREF_COMPLETE": "x"}
    )
    assert done.returncode == 0 and json.loads(done.stdout)["drug"]["id"] == "ceraxon"


def test_every_commands_help_reads_at_80_columns() -> None:
    """No help line passes 80 columns, and no paragraph is broken where the source text was wrapped."""
    from nmref.cli import app as cli_app

    commands = [command.name or command.callback.__name__ for command in cli_app.registered_commands]
    for command in commands:
        text = run(command, "--help", env={"COLUMNS": "80"}).stdout
        lines = text.splitlines()
        assert all(len(line) <= 80 for line in lines), command
        # A paragraph line ends short only where its paragraph ends (the next line is blank).
        body = [line.strip() for line in lines if not line.strip().startswith(("│", "╭", "╰", "Usage"))]
        for line, following in zip(body, body[1:], strict=False):
            if line and following and not following[0].isupper() and not line.endswith((".", ":", ";")):
                assert len(line) > 40, (command, line)
