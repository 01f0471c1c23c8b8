"""The console script's entry point: signals are handled before anything else loads."""

from nmref import signals

# sysexits' EX_OSERR: the system could not give what the run needed (memory).
OUT_OF_MEMORY = 71


def main() -> None:
    signals.install()
    try:
        from nmref.cli import main as run

        run()
    except MemoryError:
        # Out of memory (a `ulimit -v`, a huge input): one line, never a traceback. Nothing that
        # allocates may run here, so the message is written as bytes, as it stands.
        import os
        import sys

        os.write(2, b"nmref: out of memory\n")
        sys.exit(OUT_OF_MEMORY)
