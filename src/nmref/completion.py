"""Shell completion: names as the asking shell will insert them, and installing it for a shell.

typer's completion scripts call nmref back with _NMREF_COMPLETE set; the candidates come from
the database (nmref.cli), shaped here for the shell that asks.
"""

import os
import re
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import typer

# Characters bash would split a word at or expand: escaped in a completion it inserts.
# (Patterns are compiled on first use, by re's own cache: none is needed on most runs, and
# compiling at import would cost every start-up.)
BASH_SPECIAL = r"""([\s'"\\$&;()<>|*?\[\]!#~`{}])"""


def for_shell(names: list[str], incomplete: str) -> list[str]:
    """Completions as the shell that asks will insert them.

    Names are found whatever the case or spelling typed ('cera' finds Ceraxon), but shells keep
    only candidates that start with what was typed, so a name that starts with it in another
    case keeps the typed letters. bash inserts a candidate as it is, so its spaces and special
    characters are escaped: 'Acetylsalicylic acid' goes in as one argument."""
    shell = os.environ.get(COMPLETE_VARIABLE, "")
    shown = []
    for name in names:
        if name.casefold().startswith(incomplete.casefold()):
            name = incomplete + name[len(incomplete) :]
        if shell == "complete_bash":
            name = re.sub(BASH_SPECIAL, r"\\\1", name)
        shown.append(name)
    return list(dict.fromkeys(shown))


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


COMPLETE_VARIABLE = "_NMREF_COMPLETE"
# The values typer's completion scripts set it to.
COMPLETE_INSTRUCTIONS = {f"complete_{shell}" for shell in Shell} | {"complete_powershell", "complete_pwsh"}


def completion_option(flag: str, callback: Callable[[Shell | None], None], help: str) -> Any:
    return typer.Option(flag, metavar="SHELL", is_eager=True, callback=callback, help=help)


def install_completion(value: Shell | None) -> None:
    """--install-completion SHELL: install for the shell named, not the one that runs nmref."""
    if value is None:
        return
    # typer's installer writes under the home folder: with HOME unset or empty it would write
    # into the current or the root folder.
    if not os.environ.get("HOME", "").strip() or not os.path.isdir(os.environ["HOME"]):
        sys.stderr.write("nmref: HOME is not set to a folder, so there is nowhere to install completion\n")
        raise typer.Exit(2)
    # typer's own installer, given the shell (its --install-completion guesses it instead).
    from typer._completion_shared import install

    shell, path = install(shell=value.value, prog_name="nmref", complete_var=COMPLETE_VARIABLE)
    sys.stdout.write(f"{shell} completion installed in {path}; it takes effect in a new shell\n")
    raise typer.Exit()


def show_completion(value: Shell | None) -> None:
    if value is None:
        return
    from typer._completion_shared import get_completion_script

    sys.stdout.write(get_completion_script(prog_name="nmref", complete_var=COMPLETE_VARIABLE, shell=value.value))
    raise typer.Exit()
