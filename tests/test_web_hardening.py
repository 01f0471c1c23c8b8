"""Hardening III, the web view under hostile requests (issue 21): every request is bounded, every
refusal is a quick 4xx (or 503 for a damaged database) in the JSON error shape, nothing a
database holds becomes a live link or a broken one, and `nmref serve` refuses what it cannot do
in one line."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import free_port, run, serving
from nmref import bounds
from nmref.names import normalize
from nmref.query import BUNDLED_DATABASE
from test_robustness import assert_one_clean_line, invoke
from test_web import get, server


def request(method: str, path: str, instance=None):
    async def fetch():
        return await (instance or server()).client.request(method, path)

    return asyncio.run(fetch())


def copy_of_the_bundled_database(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    sqlite3.connect(BUNDLED_DATABASE).backup(conn)
    return conn


def findings(url: str) -> list:
    page = get(url)
    assert page.status_code == 200, page.text[:300]
    return page.json()["findings"]


# --- 1. amplification ---------------------------------------------------------------------------------


def test_repeated_check_parameters_are_collapsed() -> None:
    once = findings("/-/nmref/check.json?drug=cerebrolysin&condition=epilepsy")
    assert once
    spelled = "&".join(f"condition={quote(c)}" for c in ["epilepsy", "Epilepsy", " epilepsy ", "EPILEPSY"])
    assert findings(f"/-/nmref/check.json?drug=cerebrolysin&drug=Cerebrolysin&{spelled}") == once
    started = time.monotonic()
    page = get("/-/nmref/check.json?drug=cerebrolysin&" + "&".join(["condition=pregnancy"] * 700))
    assert page.status_code == 200 and len(page.content) < 100_000 and time.monotonic() - started < 2


def test_the_cli_check_collapses_repeated_conditions() -> None:
    once = run("check", "cerebrolysin", "--condition", "epilepsy", "--json").json()
    thrice = run(
        "check",
        "cerebrolysin",
        "--condition",
        "epilepsy",
        "--condition",
        "epilepsy",
        "--condition",
        "Epilepsy",
        "--json",
    ).json()
    assert thrice["findings"] == once["findings"]
    assert [condition["query"] for condition in thrice["conditions"]] == ["epilepsy"]


@pytest.mark.parametrize(
    ("query", "limit"),
    [
        ("&".join(f"drug=drug{n}" for n in range(bounds.MAX_CHECK_DRUGS + 1)), bounds.MAX_CHECK_DRUGS),
        (
            "drug=cerebrolysin&" + "&".join(f"condition=c{n}" for n in range(bounds.MAX_CHECK_CONDITIONS + 1)),
            bounds.MAX_CHECK_CONDITIONS,
        ),
    ],
)
def test_a_check_beyond_its_documented_bounds_is_a_clear_400(query: str, limit: int) -> None:
    page = get("/-/nmref/check.json?" + query)
    assert page.status_code == 400
    assert f"at most {limit} different" in page.json()["error"]["message"]
    assert get("/-/nmref/check?" + query).status_code == 400
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"at most {bounds.MAX_CHECK_DRUGS} different drugs and {bounds.MAX_CHECK_CONDITIONS}" in readme


# --- 2. errors: quick, no traceback, never a 500 ------------------------------------------------------

NO_ROUTE = [
    ("GET", "/a/b/c/d/e/f", 404),
    ("GET", "/-/nmref/drug/a/b", 404),
    ("GET", "/-/nmref/drug/a/b.json", 404),
    ("GET", "/nmref/no_such_table", 404),
    ("GET", "/nmref/no_such_table.json", 404),
    ("TRACE", "/nmref/drugs", 405),
    ("PROPFIND", "/", 405),
    ("POST", "/nmref/drugs", 405),
    ("DELETE", "/-/nmref/drug/ceraxon", 405),
]


def test_requests_no_route_answers_are_a_quick_404_or_405_without_a_traceback(capfd) -> None:
    instance = server()
    request("GET", "/-/nmref", instance)  # templates loaded
    capfd.readouterr()
    for method, path, status in NO_ROUTE:
        best = float("inf")
        for _ in range(3):
            started = time.monotonic()
            answer = request(method, path, instance)
            best = min(best, time.monotonic() - started)
            assert answer.status_code == status, (method, path, answer.status_code, answer.text[:300])
        assert best < 0.1, (method, path, best)
        if path.endswith(".json"):  # nmref's error shape on its pages, Datasette's on its own
            error = answer.json()["error"] if path.startswith("/-/nmref") else answer.json()
            assert error["status"] == status
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and "locals" not in out + err, (out + err)[:2000]


# --- 3. names with a slash ----------------------------------------------------------------------------

SLASHED = "Ceraxon/Citicoline"


@pytest.fixture
def slashed_database(tmp_path: Path) -> Path:
    """The bundled database with Ceraxon renamed to a name holding '/', as combination products
    are named."""
    path = tmp_path / "slashed.db"
    conn = copy_of_the_bundled_database(path)
    conn.execute("UPDATE drugs SET name = ? WHERE id = 'ceraxon'", [SLASHED])
    conn.execute(
        "INSERT INTO drug_names (key, name, drug_id, kind, source_id, line, quote) "
        "SELECT ?, ?, drug_id, 'spelling', source_id, line, quote FROM drug_names WHERE key = 'ceraxon'",
        [normalize(SLASHED), SLASHED],
    )
    conn.commit()
    conn.close()
    return path


def test_a_name_with_a_slash_is_encoded_in_links_and_resolves(slashed_database: Path) -> None:
    instance = server(slashed_database)
    index = request("GET", "/-/nmref", instance)
    assert index.status_code == 200
    encoded = "/-/nmref/drug/" + quote(SLASHED, safe="")
    assert f'href="{encoded}"' in index.text
    assert f'href="/-/nmref/drug/{SLASHED}"' not in index.text
    page = request("GET", encoded, instance)
    assert page.status_code == 200 and "Severe vagotonia" in page.text
    links = [unescape(link) for link in re.findall(r'href="(/-/nmref/drug/[^"]*\.json)"', page.text)]
    assert links and all("%2F" in link for link in links), links
    assert request("GET", links[0], instance).json()["drug"]["id"] == "ceraxon"


# --- 4. an empty host ---------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["", " "])
def test_serve_with_an_empty_host_is_a_usage_error(host: str) -> None:
    try:
        done = invoke("serve", "--host", host, "--port", str(free_port()))
    except subprocess.TimeoutExpired:
        pytest.fail("nmref serve --host '' started serving (on every interface)")
    assert done.returncode == 2
    assert_one_clean_line(done.stderr)
    assert b"--host" in done.stderr


# --- 5. the check page's JSON link ---------------------------------------------------------------------


def test_the_check_pages_json_link_keeps_the_conditions() -> None:
    page = get("/-/nmref/check?drug=cerebrolysin&condition=epilepsy&condition=pregnancy")
    assert page.status_code == 200
    link = unescape(re.search(r'href="([^"]*check\.json[^"]*)"', page.text)[1])
    linked = get(link).json()
    assert [condition["query"] for condition in linked["conditions"]] == ["epilepsy", "pregnancy"]
    assert linked["findings"] and len(linked["findings"]) == page.text.count('class="nmref-fact finding"')


# --- 6. only http and https are links ------------------------------------------------------------------

HOSTILE_URL = "javascript:alert(document.cookie)"


def test_a_url_that_is_not_http_is_never_a_link(tmp_path: Path) -> None:
    path = tmp_path / "hostile-urls.db"
    conn = copy_of_the_bundled_database(path)
    body = json.loads(conn.execute("SELECT body FROM monographs WHERE drug_id = 'ceraxon'").fetchone()[0])
    hostile = json.dumps(body, ensure_ascii=False)
    hostile = re.sub(r'"url":\s*"https?://[^"]*"', f'"url": "{HOSTILE_URL}"', hostile)
    assert HOSTILE_URL in hostile, "the fixture needs a fact or page with a URL"
    conn.execute("UPDATE monographs SET body = ? WHERE drug_id = 'ceraxon'", [hostile])
    conn.commit()
    conn.close()
    html = get("/-/nmref/drug/ceraxon", server(path)).text
    assert "javascript:" in html  # shown as text
    assert not re.search(r'href="\s*javascript:', html, re.IGNORECASE)
    assert 'href="https://' in get("/-/nmref/drug/ceraxon").text  # real pages stay links


# --- 7. a damaged database, paths, slow clients, long lists, a port in use ------------------------------

NMREF_PAGES = [
    "/-/nmref",
    "/-/nmref/drug/ceraxon",
    "/-/nmref/drug/ceraxon.json",
    "/-/nmref/check?drug=warfarin&drug=aspirin",
    "/-/nmref/check.json?drug=warfarin&drug=aspirin",
    "/-/nmref/search.json?q=stroke",
    "/-/nmref/for.json?condition=stroke",
    "/-/nmref/class/antioxidants.json",
]


def test_a_damaged_database_answers_503_in_the_json_error_shape(tmp_path: Path, capfd) -> None:
    path = tmp_path / "hidden-folder" / "damaged.db"
    path.parent.mkdir()
    data = BUNDLED_DATABASE.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    instance = server(path)
    for url in [*NMREF_PAGES, "/nmref/drugs.json", "/nmref/drugs"]:
        page = request("GET", url, instance)
        assert page.status_code == 503, (url, page.status_code, page.text[:300])
        assert "hidden-folder" not in page.text, url
        if url.startswith("/-/nmref") and url.split("?")[0].endswith(".json"):
            error = page.json()["error"]
            assert error["status"] == 503 and "damaged" in error["message"] and error["suggestions"] == []
        elif url.endswith(".json"):
            assert page.json()["status"] == 503 and "damaged" in page.json()["error"]
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err, (out + err)[:2000]


def test_datasettes_json_does_not_show_where_the_database_is(tmp_path: Path) -> None:
    path = tmp_path / "secret-folder" / "nmref.db"
    path.parent.mkdir()
    path.write_bytes(BUNDLED_DATABASE.read_bytes())
    instance = server(path)
    for url in ["/-/databases.json", "/-/metadata.json", "/-/databases", "/-/metadata", "/nmref.json"]:
        page = request("GET", url, instance)
        assert page.status_code == 200, url
        assert "secret-folder" not in page.text, url
    assert [db["name"] for db in request("GET", "/-/databases.json", instance).json()] == ["nmref"]
    assert request("GET", "/-/nmref/drug/ceraxon.json", instance).status_code == 200  # still served


@pytest.fixture(scope="module")
def large_database(tmp_path_factory) -> Path:
    """The bundled database with 20,000 more drugs, as the benchmark's dictionary has."""
    path = tmp_path_factory.mktemp("large") / "large.db"
    conn = copy_of_the_bundled_database(path)
    quote_row = conn.execute("SELECT source_id, line, quote FROM drugs WHERE id = 'ceraxon'").fetchone()
    drugs = [(f"bench-{n:05d}", f"Benchdrug {n:05d}") for n in range(20_000)]
    conn.executemany(
        "INSERT INTO drugs (id, name, kind, description, source_id, line, quote) "
        "VALUES (?, ?, 'monograph', 'x', ?, ?, ?)",
        [(i, name, *quote_row) for i, name in drugs],
    )
    conn.executemany(
        "INSERT INTO drug_names (key, name, drug_id, kind, source_id, line, quote) "
        "VALUES (?, ?, ?, 'canonical', ?, ?, ?)",
        [(normalize(name), name, i, *quote_row) for i, name in drugs],
    )
    conn.commit()
    conn.close()
    return path


def test_pages_that_list_names_are_bounded_on_a_large_database(large_database: Path) -> None:
    instance = server(large_database)
    started = time.monotonic()
    index = request("GET", "/-/nmref", instance)
    form = request("GET", "/-/nmref/check", instance)
    assert time.monotonic() - started < 3
    assert index.status_code == 200 and form.status_code == 200
    assert len(re.findall(r'<li><a href="/-/nmref/drug/', index.text)) <= bounds.MAX_LISTED
    assert len(re.findall(r"<option ", form.text)) <= bounds.MAX_LISTED
    following = re.search(r'href="(/-/nmref\?page=2)"', index.text)
    assert following, "a bounded list links to the rest"
    second = request("GET", following[1], instance)
    assert second.status_code == 200 and second.text.count('<li><a href="/-/nmref/drug/') == bounds.MAX_LISTED
    assert request("GET", "/-/nmref?page=abc", instance).status_code == 400
    assert request("GET", "/-/nmref?page=999999", instance).status_code == 404


def test_a_port_in_use_is_one_line_and_its_own_exit_code() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = invoke("serve", "--port", str(port))
    assert done.returncode == 69, done.stderr
    assert_one_clean_line(done.stderr)
    assert f"127.0.0.1:{port}".encode() in done.stderr and b"in use" in done.stderr


SLOW_SERVER = """
import sys
from nmref import web
web.HEADER_TIMEOUT = 1
web.serve(sys.argv[1], "127.0.0.1", int(sys.argv[2]), False)
"""


def test_a_client_that_never_finishes_its_headers_is_cut_off() -> None:
    port = free_port()
    with serving([sys.executable, "-c", SLOW_SERVER, str(BUNDLED_DATABASE), str(port)], port):
        for opening in (b"", b"GET /-/nmref HTTP/1.1\r\nHost: x\r\n", b"GET /-/nm"):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as slow:
                slow.sendall(opening)
                started = time.monotonic()
                try:
                    while slow.recv(4096):
                        pass  # a 408, or nothing: then the server closes
                except TimeoutError:
                    pytest.fail(f"the server still holds a client that sent {opening!r} after 10 s")
                assert time.monotonic() - started < 5
        # a whole request is still answered
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(b"GET /-/nmref/drug/ceraxon.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
