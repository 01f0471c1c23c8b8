"""The one place that writes results to stdout: JSON, NDJSON, or a readable view.

JSON goes out as UTF-8 bytes, a compiled monograph as stored. A readable view (nmref.views)
fills a Page (nmref.terminal), drawn for a terminal with colour, wrapping and a pager, or as
plain text elsewhere.
"""

import json
import os
import sys
from collections.abc import Iterable
from enum import StrEnum
from typing import IO, Any

from nmref import signals
from nmref.errors import printable
from nmref.query import Monograph

SCHEMA_VERSION = 3
# JSON for scripts has no space after a comma or colon (the stored monographs neither): a batch
# of 1,000 names writes some 27 MB, and the spaces were 5% of it.
COMPACT = (",", ":")


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    ndjson = "ndjson"


# For NDJSON, the list in each payload whose items become one line each.
NDJSON_RECORDS = {
    "drugs": "drugs",
    "search": "hits",
    "sources": "sources",
    "class": "members",
    "classes": "classes",
    "for": "drugs",
    "check": "findings",
}


Payload = dict[str, Any] | Monograph


def document(payload: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, **payload}


def as_dict(payload: Payload) -> dict[str, Any]:
    return payload.to_dict() if isinstance(payload, Monograph) else payload


def json_line(payload: Payload) -> bytes:
    """One compact JSON document and its newline, as UTF-8."""
    if isinstance(payload, Monograph):
        # The build encoded the body: splice it in rather than decode and encode it again.
        head = json.dumps(document(payload.head()), ensure_ascii=False, separators=COMPACT).encode()
        return head[:-1] + b"," + payload.body[1:] + b"\n"
    return json.dumps(document(payload), ensure_ascii=False, separators=COMPACT).encode() + b"\n"


def write_json_lines(lines: Iterable[bytes], out: IO[str]) -> None:
    """Write UTF-8 lines to `out`: straight to its byte stream where it has one (stdout), else
    decoded; whole, even if a signal comes while they are being written."""
    binary = getattr(out, "buffer", None)
    with signals.whole():
        if binary is None:
            out.write(b"".join(lines).decode())
            return
        out.flush()
        binary.flush()
        data = memoryview(b"".join(lines))
        try:
            descriptor = binary.fileno()
        except (AttributeError, OSError, ValueError):  # an in-memory stream (tests)
            binary.write(data)
            binary.flush()
            return
        # os.write, not the buffered stream: under a signal, CPython's buffered writer was seen to
        # leave the end of a large record unwritten when the deferred exit came (test_robustness).
        while data:
            data = data[os.write(descriptor, data) :]


def emit(payload: Payload, fmt: OutputFormat, out: IO[str] | None = None, view: str | None = None) -> None:
    """Write one result: JSON for scripts, or the text view (`view` picks another view of the
    same payload, such as "show-brief")."""
    out = out or sys.stdout
    if fmt is OutputFormat.json and not out.isatty():
        # A script reads it: one compact line (a compiled monograph goes out as stored). One
        # write, too: json.dump would make thousands, each a system call on an unbuffered stdout.
        write_json_lines([json_line(payload)], out)
    else:
        payload = as_dict(payload)
        if fmt is OutputFormat.json:
            # A person reads it: indented, though indenting makes json use its slow Python encoder.
            out.write(json.dumps(document(payload), ensure_ascii=False, indent=2) + "\n")
        elif fmt is OutputFormat.ndjson:
            key = NDJSON_RECORDS.get(payload["command"])
            records = payload[key] if key else [payload]
            write_json_lines([json_line(record) for record in records], out)
        else:
            render_view(payload, out, view)
    out.flush()


def emit_document(document: dict[str, Any], out: IO[str] | None = None) -> None:
    """Write a JSON document that is not a result (a schema), indented for reading."""
    out = out or sys.stdout
    write_json_lines([json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"], out)


def emit_stream(
    payloads: Iterable[Payload], fmt: OutputFormat, out: IO[str] | None = None, view: str | None = None
) -> None:
    """Results of a batch: one JSON object per line (JSON or NDJSON asked for), or views in turn."""
    out = out or sys.stdout
    for payload in payloads:
        if fmt is not OutputFormat.text:
            write_json_lines([json_line(payload)], out)
        elif "error" in (record := as_dict(payload)):
            sys.stderr.write(f"nmref: {printable(record['error']['message'], one_line=True)}\n")
        else:
            render_view(record, out, view)
        out.flush()


# --- terminal views ---------------------------------------------------------------------------


def render_view(payload: dict[str, Any], out: IO[str], view: str | None = None) -> None:
    # The views and the terminal drawing are imported only for a text answer: JSON never loads them.
    from nmref.terminal import Page
    from nmref.views import VIEWS

    page = Page()
    VIEWS[view or payload["command"]](payload, page)
    page.draw(out)
