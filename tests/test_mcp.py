"""nmref for assistants: the MCP SDK's own client starts `nmref mcp` over stdio, or reaches
`nmref serve --mcp` over HTTP, lists its tools, calls each, and checks every answer against the
command's shipped schema; a scripted session of ten questions answers each with a quote and a
line, or an error with suggestions, on both transports."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from conftest import free_port, run, serving
from test_json_contract import assert_valid

mcp = pytest.importorskip("mcp", reason="the mcp extra is not installed: pip install 'nmref[mcp]'")

from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402

SCHEMA_OF_TOOL = {"show": "show", "check": "check", "for": "for", "search": "search", "compare": "compare"}


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """`nmref serve --mcp` on a free port of this machine: the address of its MCP endpoint."""
    pytest.importorskip("datasette", reason="the web extra is not installed: pip install 'nmref[web]'")
    port = free_port()
    with serving([sys.executable, "-m", "nmref", "serve", "--mcp", "--port", str(port)], port):
        yield f"http://127.0.0.1:{port}/-/mcp"


@pytest.fixture(params=["stdio", "http"])
def session(request) -> Callable[[Callable[[ClientSession], Awaitable[Any]]], Any]:
    """Run `work` against a fresh `nmref mcp` started by the SDK's stdio client, or against
    `nmref serve --mcp` through the SDK's streamable HTTP client."""
    url = request.getfixturevalue("served") if request.param == "http" else None

    def run_session(work: Callable[[ClientSession], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            if url:
                from mcp.client.streamable_http import streamable_http_client

                async with streamable_http_client(url) as (reader, writer, _), ClientSession(reader, writer) as client:
                    await client.initialize()
                    return await work(client)
            params = StdioServerParameters(command=sys.executable, args=["-m", "nmref", "mcp"])
            async with stdio_client(params) as (reader, writer), ClientSession(reader, writer) as client:
                await client.initialize()
                return await work(client)

        return asyncio.run(main())

    return run_session


def answer(result: Any) -> dict[str, Any]:
    assert not result.isError, result.content[0].text
    return json.loads(result.content[0].text)


def quoted_lines(document: Any) -> list[tuple[str, int]]:
    """Every (quote, line) a document's facts carry."""
    found = []
    if isinstance(document, dict):
        if isinstance(document.get("quote"), str) and isinstance(document.get("source"), dict):
            found.append((document["quote"], document["source"]["line"]))
        for value in document.values():
            found += quoted_lines(value)
    elif isinstance(document, list):
        for value in document:
            found += quoted_lines(value)
    return found


def test_the_tools_describe_nmref_and_answer_as_the_cli(session) -> None:
    async def work(client: ClientSession) -> Any:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        results = {
            "show": await client.call_tool("show", {"name": "ceraxon"}),
            "section": await client.call_tool("section", {"name": "mildronate", "section": "contraindications"}),
            "check": await client.call_tool("check", {"drugs": ["warfarin", "aspirin"]}),
            "for": await client.call_tool("for", {"condition": "инсульт"}),
            "search": await client.call_tool("search", {"words": "Quincke"}),
            "compare": await client.call_tool("compare", {"drugs": ["ceraxon", "cerebrolysin"]}),
            "sources": await client.call_tool("sources", {}),
        }
        return tools, results

    tools, results = session(work)
    assert set(tools) == {"show", "section", "check", "for", "search", "compare", "sources"}
    assert "not evidence of safety" in tools["show"].description and "never computes" in tools["show"].description
    for name, result in results.items():
        document = answer(result)
        schema = {"section": "contraindications", "sources": "sources"}.get(name, SCHEMA_OF_TOOL.get(name))
        assert_valid(schema, document, f"mcp {name}")
    cli = run("check", "warfarin", "aspirin", "--json").json()
    assert answer(results["check"]) == cli
    # the very line the CLI writes: one serialisation of the answer, not a second copy
    assert results["show"].content[0].text + "\n" == run("show", "ceraxon", "--json").stdout


def test_requests_piped_in_at_once_are_each_answered_before_nmref_mcp_ends() -> None:
    """A script may write every request and close stdin at once (`... | nmref mcp`): each still
    gets its answer, a name too long to read included (a tool error, not a lost request)."""
    hello = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "script", "version": "1"}}
    messages = [
        {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": hello},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "show", "arguments": {"name": "x" * 10**6}},
        },
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "for", "arguments": {"condition": "G40"}},
        },
        {
            "jsonrpc": "2.0",
            "id": "три",
            "method": "tools/call",
            "params": {"name": "show", "arguments": {"name": "Цераксон"}},
        },
    ]
    # every request followed by a line that is not JSON, which the SDK reports but cannot answer
    piped = "".join(json.dumps(message, ensure_ascii=False) + "\nnot JSON\n" for message in messages).encode()
    done = subprocess.run([sys.executable, "-m", "nmref", "mcp"], input=piped, capture_output=True, timeout=120)
    answers = {reply["id"]: reply["result"] for reply in map(json.loads, done.stdout.splitlines()) if "id" in reply}
    assert done.returncode == 0 and set(answers) == {0, 1, 2, "три"}
    assert answers[1]["isError"] and "at most" in answers[1]["content"][0]["text"]
    assert not answers[2]["isError"] and quoted_lines(json.loads(answers[2]["content"][0]["text"]))


def test_a_scripted_session_answers_with_quotes_or_suggestions(session) -> None:
    questions = [
        ("check", {"drugs": ["cerebrolysin"], "conditions": ["epilepsy"]}),  # May Cerebrolysin be given in epilepsy?
        ("check", {"drugs": ["warfarin", "aspirin"]}),  # warfarin with aspirin?
        ("section", {"name": "ceraxon", "section": "contraindications"}),
        ("for", {"condition": "инсульт"}),  # for, in Russian
        ("for", {"condition": "I63"}),  # for, by ICD-10 code
        ("search", {"words": "Quincke"}),
        ("compare", {"drugs": ["ceraxon", "cerebrolysin"]}),
        ("check", {"drugs": ["levodopa", "phenelzine"]}),  # a co-medication through a label's class rule
        ("show", {"name": "mildornate"}),  # misspelt
        ("check", {"drugs": ["cerebrolysin"], "conditions": ["epilepssy"]}),  # an unknown condition
    ]

    async def work(client: ClientSession) -> list[Any]:
        return [await client.call_tool(tool, arguments) for tool, arguments in questions]

    results = session(work)
    for (tool, arguments), result in zip(questions, results, strict=True):
        if result.isError:
            assert "did you mean" in result.content[0].text, (tool, arguments)
            continue
        assert quoted_lines(answer(result)), (tool, arguments)
    assert "Mildronate" in results[8].content[0].text and results[8].isError
    assert "G40" in results[9].content[0].text and results[9].isError
    epilepsy = answer(results[0])
    assert epilepsy["verdicts"][0]["level"] == "contraindicated"


def test_without_the_extra_mcp_says_how_to_install_it(tmp_path) -> None:
    (tmp_path / "mcp").mkdir()
    (tmp_path / "mcp" / "__init__.py").write_text("raise ImportError('hidden for the test')\n")
    done = subprocess.run(
        [sys.executable, "-m", "nmref", "mcp"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 2 and done.stderr == "nmref: nmref mcp needs the mcp extra: pip install 'nmref[mcp]'\n"


def test_a_lookup_never_imports_the_sdk() -> None:
    code = (
        "import sys; from nmref.launcher import main; sys.argv = ['nmref', 'show', 'ceraxon', '--json'];\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'mcp' not in sys.modules, 'mcp imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_over_http_only_the_endpoint_takes_a_post_and_only_from_this_machine_s_names(served) -> None:
    import urllib.error
    import urllib.request

    def post(url: str, host: str | None = None) -> int:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if host:
            headers["Host"] = host
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, body, headers, method="POST"), timeout=30) as done:
                return done.status
        except urllib.error.HTTPError as error:
            return error.code

    base = served.removesuffix("/-/mcp")
    assert post(served) == 200
    assert post(served, host="attacker.example") == 421  # DNS rebinding: a foreign host name is refused
    assert post(base + "/-/nmref/drug/ceraxon") == 405  # the pages still only read


def test_serve_mcp_without_the_extra_says_how_to_install_it(tmp_path) -> None:
    pytest.importorskip("datasette", reason="the web extra is not installed: pip install 'nmref[web]'")
    (tmp_path / "mcp").mkdir()
    (tmp_path / "mcp" / "__init__.py").write_text("raise ImportError('hidden for the test')\n")
    hidden = tmp_path / "sitecustomize.py"
    hidden.write_text(
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'mcp' else real(name, *a)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "nmref", "serve", "--mcp", "--port", str(free_port())],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert (
        done.returncode == 2
        and done.stderr == "nmref: nmref serve --mcp needs the mcp extra: pip install 'nmref[web,mcp]'\n"
    )
