"""Exit codes and the domain errors that the command line turns into them."""

import unicodedata
from enum import IntEnum

INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class ExitCode(IntEnum):
    OK = 0
    NOT_FOUND = 1
    USAGE = 2
    DATABASE = 3
    LISTEN = 69  # `serve` could not listen: the port is in use, the address is not this machine's (EX_UNAVAILABLE)
    MEMORY = 71  # out of memory (sysexits' EX_OSERR)
    OUTPUT = 74  # the output could not be written (sysexits' EX_IOERR): a full disk, a closed stdout
    INTERRUPTED = 130
    TERMINATED = 143


class NmrefError(Exception):
    """An error a user can cause; shown as one line on stderr, never as a traceback."""

    exit_code = ExitCode.NOT_FOUND

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(NmrefError):
    """A name, class or condition that the database does not know, with the closest it does."""

    def __init__(self, what: str, query: str, suggestions: list[str]) -> None:
        message = f"no {what} named {quoted(query)}"
        if suggestions:
            message += f"; did you mean: {', '.join(suggestions)}?"
        super().__init__(message)
        self.what = what
        self.query = query
        self.suggestions = suggestions


class NotFoundAll(NotFound):
    """Several names or conditions that do not resolve, said in one line, their suggestions kept."""

    def __init__(self, errors: list[NotFound]) -> None:
        NmrefError.__init__(self, "; ".join(error.message for error in errors))
        self.what = errors[0].what
        self.query = errors[0].query
        self.suggestions = [suggestion for error in errors for suggestion in error.suggestions]
        self.errors = errors


class NothingMatches(NmrefError):
    """A search that found nothing: not an error in the input, but nothing to show."""


class DatabaseUnavailable(NmrefError):
    exit_code = ExitCode.DATABASE


class BeyondLimit(NmrefError):
    """A request asking more than nmref answers at once (nmref.bounds): a usage error."""

    exit_code = ExitCode.USAGE


def printable(text: str, *, one_line: bool = False) -> str:
    """`text` with control and format characters (escapes, bidi overrides, zero-width) made visible.

    Keeps newlines and tabs unless `one_line`, so that a message stays one line.
    """
    keep = "" if one_line else "\n\t"
    return "".join(
        ch if ch in keep or unicodedata.category(ch) not in INVISIBLE_CATEGORIES else f"\\u{ord(ch):04x}" for ch in text
    )


def quoted(text: str, limit: int = 60) -> str:
    """User input for a one-line message: visible, shortened, in quotes."""
    shown = printable(text, one_line=True)
    return "'" + (shown if len(shown) <= limit else shown[: limit - 1] + "…") + "'"
