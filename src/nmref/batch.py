"""Reading a batch of names from stdin: bounded, byte-safe, a bad line becoming an error record."""

import sys
from collections.abc import Iterator
from typing import Any, NamedTuple

from nmref.errors import quoted

# The longest name a batch line may hold; a longer line is an error record, and memory stays
# bounded whatever stdin holds (`show --json - < /dev/zero`).
MAX_NAME = 200
MAX_LINE_BYTES = 4 * MAX_NAME + 2


class BadLine(NamedTuple):
    """A batch line that is not a name: not UTF-8, or too long."""

    code: str
    shown: str
    message: str


def stdin_names() -> Iterator[str | BadLine]:
    """Names from stdin, one a line, read in bounded pieces as bytes: a line that is not UTF-8
    or is too long becomes a BadLine, and the batch goes on."""
    stream = sys.stdin.buffer if sys.stdin is not None else None
    if stream is None:
        return  # stdin closed: no names
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES)
        if not line:
            return
        number += 1
        if not line.endswith(b"\n") and len(line) == MAX_LINE_BYTES:
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass  # the rest of an overlong line, dropped a piece at a time
            yield BadLine("too_long", "", f"line {number} is longer than a name can be ({MAX_NAME} characters)")
            continue
        try:
            name = line.decode("utf-8").strip()
        except UnicodeDecodeError:
            shown = line.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")
            yield BadLine("not_utf8", shown, f"line {number} is not UTF-8: {quoted(shown)}")
            continue
        if len(name) > MAX_NAME:
            yield BadLine(
                "too_long", name[:MAX_NAME], f"line {number} is longer than a name can be ({MAX_NAME} characters)"
            )
        elif name:
            yield name


def error_record(query: str, code: str, message: str, suggestions: list[str]) -> dict[str, Any]:
    """A batch line that has no answer, as the record that stands in its place."""
    return {
        "command": "error",
        "query": query,
        "error": {"code": code, "message": message, "suggestions": suggestions},
    }
