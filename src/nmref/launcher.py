"""The console script's entry point: the process around one command.

Signals are handled before anything else loads. Then the arguments, a shell's completion
request and standard output are made safe, typer registers only the command about to run, and
the output is flushed where a failure can still be one line. The command line itself (parsing,
errors a user can cause) is nmref.cli.
"""

import os
import sys
from typing import TYPE_CHECKING

from nmref import signals

if TYPE_CHECKING:
    import typer

# sysexits' EX_OSERR: the system could not give what the run needed (memory).
OUT_OF_MEMORY = 71


def main() -> None:
    signals.install()
    try:
        run()
    except MemoryError:
        # Out of memory (a `ulimit -v`, a huge input): one line, never a traceback. Nothing that
        # allocates may run here, so the message is written as bytes, as it stands.
        os.write(2, b"nmref: out of memory\n")
        sys.exit(OUT_OF_MEMORY)


def run() -> None:
    import signal

    from nmref.cli import app, say
    from nmref.completion import COMPLETE_INSTRUCTIONS, COMPLETE_VARIABLE
    from nmref.errors import ExitCode

    # Die quietly like any Unix filter when the reader goes away (`nmref drugs | head -1`).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if sys.stdout is None:  # started with stdout closed
        say("standard output is closed: there is nowhere to write the answer")
        sys.exit(ExitCode.OUTPUT)
    # An argument that is not UTF-8 reaches Python as lone surrogates, which no output can
    # encode: it is shown with its bytes escaped instead, and looked up as such.
    sys.argv = [arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") for arg in sys.argv]
    instruction = os.environ.get(COMPLETE_VARIABLE)
    if instruction is not None:
        if instruction in COMPLETE_INSTRUCTIONS:
            # A shell asks for completions: typer's completion classes answer it.
            from typer.completion import completion_init

            completion_init()
        else:
            # Not a completion request (a stray or garbled variable): run the command as typed.
            del os.environ[COMPLETE_VARIABLE]
    only_the_invoked_command(app, sys.argv[1:])
    try:
        app(prog_name="nmref")
    finally:
        flush_or_fail()


def only_the_invoked_command(app: "typer.Typer", args: list[str]) -> None:
    """Register only the command about to run.

    typer turns every registered command into a click command at start-up, inspecting each
    signature: about a tenth of nmref's start-up for commands that will not run. Shell
    completion and a name that is not a command keep the full set (for listings and messages).
    """
    from typer.main import get_command_name

    from nmref.usage import invoked_command

    if any(key.endswith("_COMPLETE") for key in os.environ):
        return
    name = invoked_command(args)
    chosen = [
        info for info in app.registered_commands if (info.name or get_command_name(info.callback.__name__)) == name
    ]
    if chosen:
        app.registered_commands = chosen


def flush_or_fail() -> None:
    """Flush stdout here, where a failure becomes one line and exit 74, rather than at exit,
    where Python would print "Exception ignored" and a traceback."""
    from nmref.cli import say
    from nmref.errors import ExitCode

    if sys.stdout.closed:
        return  # closed by its owner (the MCP server's stdio transport, when the client left)
    try:
        sys.stdout.flush()
    except OSError as error:
        say(f"cannot write the output ({error.strerror or error})")
        os._exit(ExitCode.OUTPUT)
