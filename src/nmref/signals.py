"""Ctrl-C and SIGTERM end nmref quietly: one line on stderr, exit 130 or 143, and never in the
middle of a record a script is reading.

Installed first thing by the console script, before nmref has loaded, so an interrupt while
starting up ends the same way. While a record is being written (`whole`), the signal waits
until the record is out.
"""

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

EXIT = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}
_writing = False
_pending: int | None = None


def install() -> None:
    for number in EXIT:
        signal.signal(number, _received)


def _received(number: int, frame: object) -> None:
    global _pending
    if _writing:
        _pending = number
    else:
        _quit(number)


def _quit(number: int) -> None:
    code, word = EXIT[signal.Signals(number)]
    try:
        os.write(2, f"nmref: {word}\n".encode())
    except OSError:
        pass  # stderr closed: the exit code says it
    os._exit(code)


@contextmanager
def whole() -> Iterator[None]:
    """A stretch (writing one record) that a signal does not cut: it takes effect after."""
    global _writing
    _writing = True
    try:
        yield
    finally:
        _writing = False
        if _pending is not None:
            _quit(_pending)


@contextmanager
def ignored_while_paging() -> Iterator[None]:
    """Ctrl-C belongs to the pager while it shows the page (as git does)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
