"""nmref for assistants: a Model Context Protocol server, over stdio (`nmref mcp`) or over HTTP
beside the web pages (`nmref serve --mcp`, at /-/mcp).

Another renderer over the query layer, like the web pages: each tool calls the same query
function as the command it mirrors and answers with the same JSON document as that command's
`--json`, valid against the shipped schema, so every fact keeps its quote, source, line,
citations, kind of evidence and caveats. A name or condition nmref cannot read is a tool error
with the suggestions, never an empty success. Imported only by `nmref mcp`: the official SDK
(the `mcp` extra) costs every other command nothing.
"""

import json
import re
import sqlite3
import sys
from collections.abc import AsyncIterator
from io import TextIOWrapper
from pathlib import Path
from typing import Any

import anyio
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.server.stdio import stdio_server
from mcp.types import JSONRPCMessage, JSONRPCRequest

from nmref import query
from nmref.bounds import MAX_TEXT
from nmref.errors import NmrefError, NotFound
from nmref.query.facts import FACT_SECTIONS
from nmref.render import json_line

ABOUT = (
    "nmref is an offline reference for neurometabolic drugs (Ceraxon/citicoline, Mildronate/meldonium, "
    "Cerebrolysin, piracetam, Mexidol, ...) and the vascular drugs given with them. It quotes four "
    "promotional web articles verbatim and sets official-label facts (recorded in nmref's own words, "
    "each citing the public pages it was read on) beside them; every fact carries its quote, document "
    "and line, and says which kind of evidence it is. It is not medical advice, and it never computes, "
    "converts or checks a dose. An empty result is not evidence of safety: it means the sources searched "
    "say nothing about it."
)
# An answer as the SDK writes it (a JSON-RPC result or error, "jsonrpc" then "id" first), and its id.
ANSWER_ID = re.compile(r'\{"jsonrpc":"2\.0","id":(-?\d+|"(?:[^"\\]|\\.)*")')
LAST_ANSWERS_WAIT = 10
SECTIONS = tuple(name for name in FACT_SECTIONS if name not in ("ingredients", "forms"))


class Answers:
    """The tools' one way to answer: a query function's payload as the CLI's JSON document,
    or a tool error that says what was not understood and what was meant."""

    def __init__(self, path: Path) -> None:
        self.conn: sqlite3.Connection = query.connect(path)  # read-only, as the CLI opens it

    def __call__(self, function: Any, *args: Any) -> str:
        for value in args:
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str) and len(text) > MAX_TEXT:
                    raise ToolError(f"a name or condition is at most {MAX_TEXT} characters")
        try:
            # The document as the CLI writes it (its own bytes: a monograph goes out as the build
            # stored it), as the tool's one text content: structured output would serialise and
            # validate it a second time.
            return json_line(function(self.conn, *args))[:-1].decode()
        except NotFound as error:
            raise ToolError(error.message) from None  # the message carries "did you mean: ..."
        except NmrefError as error:
            raise ToolError(error.message) from None


def server(path: Path, **transport: Any) -> FastMCP:
    """The MCP server over the database at `path`, its tools registered; `transport` holds the
    SDK's HTTP settings when it answers beside the web pages."""
    answer = Answers(path)
    # Warnings only on stderr: the SDK logs every request at INFO, which is noise to a client.
    mcp = FastMCP("nmref", instructions=ABOUT, log_level="WARNING", **transport)

    @mcp.tool(
        structured_output=False,
        description=f"{ABOUT} Returns the whole monograph of one drug (any spelling, INN, brand or Cyrillic).",
    )
    def show(name: str) -> str:
        return answer(query.monograph, name)

    @mcp.tool(
        structured_output=False,
        description="One section of a drug's monograph, as `nmref SECTION NAME --json`: "
        f"one of {', '.join(SECTIONS)}. Each fact with its quote, document, line and kind of evidence.",
    )
    def section(name: str, section: str) -> str:
        if section not in SECTIONS:
            raise ToolError(f"no section named {section!r}; there are: {', '.join(SECTIONS)}")
        return answer(query.section, name, section)

    @mcp.tool(
        structured_output=False,
        description="The check card for drugs taken together and, with conditions, for each drug in a patient's "
        "condition (English, Russian or ICD-10 code): one verdict per pair and per drug with a condition, "
        "strictest first, with where each level comes from, where labels disagree, what to do and the evidence. "
        "Co-medications resolve by INN, brand or Russian name. 'no fact stated' is not evidence of safety.",
    )
    def check(drugs: list[str], conditions: list[str] | None = None) -> str:
        if len(drugs) < 2 and not conditions:
            raise ToolError("name at least two drugs, or one drug and a condition")
        return answer(query.check, drugs, conditions or [])

    @mcp.tool(
        structured_output=False,
        name="for",
        description="Drugs the labels and articles give for a condition (English, Russian or ICD-10 code, e.g. "
        "stroke, инсульт, I63): label indications first, claimed effects apart; says what it understood; "
        "each drug lists its own contraindications in that condition beside its uses.",
    )
    def for_condition(condition: str) -> str:
        return answer(query.for_condition, condition)

    @mcp.tool(
        structured_output=False,
        description="Full-text search over every fact's wording and quote; words, never query syntax.",
    )
    def search(words: str) -> str:
        return answer(query.search, words)

    @mcp.tool(
        structured_output=False,
        description="Two or three drugs side by side: the check card's verdicts, then section by section.",
    )
    def compare(drugs: list[str]) -> str:
        if not 2 <= len(drugs) <= 3:
            raise ToolError("compare takes two or three drugs")
        return answer(query.compare, drugs)

    @mcp.tool(
        structured_output=False,
        description="The source documents, the pages cited (with their grade) and the label versions.",
    )
    def sources() -> str:
        return answer(query.list_sources)

    return mcp


def serve(path: Path) -> None:
    """Answer an MCP client on stdin and stdout until it closes them."""
    anyio.run(answer_on_stdio, server(path))


async def answer_on_stdio(tools: FastMCP) -> None:
    """What FastMCP.run_stdio_async does, with the SDK's stdio transport given stdin and stdout
    through AnswerEveryRequest."""
    ends = AnswerEveryRequest(
        anyio.wrap_file(TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")),
        anyio.wrap_file(TextIOWrapper(sys.stdout.buffer, encoding="utf-8")),
    )
    async with stdio_server(stdin=ends.lines(), stdout=ends) as (read_stream, write_stream):
        low = tools._mcp_server
        await low.run(read_stream, write_stream, low.create_initialization_options())


class AnswerEveryRequest:
    """stdin and stdout as the SDK's stdio transport reads and writes them, lines unchanged, with
    one difference: when stdin ends, the end waits until every request read has been answered.

    The SDK stops when its input ends and drops the requests still being answered: a script
    that writes its questions and closes the pipe at once (`... | nmref mcp`) lost its last
    answers. A request that gets no answer (one the SDK could not read) is waited for at most
    LAST_ANSWERS_WAIT seconds."""

    def __init__(self, stdin: Any, stdout: Any) -> None:
        self.stdin, self.stdout = stdin, stdout
        self.unanswered: set[str] = set()

    async def lines(self) -> AsyncIterator[str]:
        async for line in self.stdin:
            self.note_request(line)
            yield line
        with anyio.move_on_after(LAST_ANSWERS_WAIT):
            while self.unanswered:
                await anyio.sleep(0.01)

    def note_request(self, line: str) -> None:
        """A request the SDK will read as one (and answer) is awaited; anything else is not."""
        try:
            message = JSONRPCMessage.model_validate_json(line).root
        except ValueError:
            return
        if isinstance(message, JSONRPCRequest):
            self.unanswered.add(json.dumps(message.id, ensure_ascii=False))

    async def write(self, text: str) -> None:
        await self.stdout.write(text)
        if answer := ANSWER_ID.match(text):
            self.unanswered.discard(answer.group(1))

    async def flush(self) -> None:
        await self.stdout.flush()


def over_http(path: Path, host: str, endpoint: str) -> FastMCP:
    """The same tools for `nmref serve`, answering POSTs at `endpoint` with one JSON response
    each and keeping no session: nothing is written or remembered between calls.

    Called on the server's event loop, whose thread then answers every tool call (the tools are
    synchronous) on the read-only connection opened here. The SDK's own host rules apply: on a
    loopback address, only requests naming a loopback host are answered (DNS rebinding)."""
    tools = server(path, host=host, streamable_http_path=endpoint, stateless_http=True, json_response=True)
    tools.streamable_http_app()  # creates the session manager that answers the requests
    return tools
