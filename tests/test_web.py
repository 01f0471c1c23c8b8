"""nmref's web pages, through Datasette's own client: the same answers as the CLI, read-only,
escaped, and a 4xx page for a bad request."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import run
from nmref.query import BUNDLED_DATABASE

datasette = pytest.importorskip("datasette", reason="the web extra is not installed: pip install 'nmref[web]'")

from datasette.app import Datasette  # noqa: E402

from nmref import web  # noqa: E402


def server(path: Path = BUNDLED_DATABASE, allow_sql: bool = False) -> Datasette:
    return Datasette(
        immutables=[str(path)],
        metadata=web.metadata(str(path), allow_sql),
        settings={"default_allow_sql": allow_sql},
    )


def get(path: str, instance: Datasette | None = None):
    async def fetch():
        return await (instance or server()).client.get(path)

    return asyncio.run(fetch())


def test_the_drug_page_shows_the_monograph_with_quotes_lines_and_the_notice() -> None:
    page = get("/-/nmref/drug/ceraxon")
    assert page.status_code == 200
    html = page.text
    assert "Severe vagotonia" in html and "[ceraxon-article, line 74]" in html
    assert "Key safety facts" in html and "never calculates a dose" in html
    assert "official-label" in html and "promotional-article" in html  # the kind of evidence of each fact


@pytest.mark.parametrize(
    ("url", "cli"),
    [
        ("/-/nmref/drug/ceraxon.json", ["show", "ceraxon", "--json"]),
        ("/-/nmref/drug/" + quote("Цераксон") + ".json", ["show", "Цераксон", "--json"]),
        ("/-/nmref/check.json?drug=warfarin&drug=aspirin", ["check", "warfarin", "aspirin", "--json"]),
        (
            "/-/nmref/check.json?drug=cerebrolysin&condition=epilepsy",
            ["check", "cerebrolysin", "--condition", "epilepsy", "--json"],
        ),
        ("/-/nmref/for.json?condition=stroke", ["for", "stroke", "--json"]),
        ("/-/nmref/class/antioxidants.json", ["class", "antioxidants", "--json"]),
        ("/-/nmref/search.json?q=Quincke", ["search", "Quincke", "--json"]),
    ],
)
def test_a_pages_json_is_the_cli_json(url: str, cli: list[str]) -> None:
    page = get(url)
    assert page.status_code == 200
    assert page.json() == run(*cli).json()


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/-/nmref/drug/mildornate", 404),
        ("/-/nmref/drug/mildornate.json", 404),
        ("/-/nmref/check.json?drug=ceraxon", 400),
        ("/-/nmref/check.json?" + "&".join(["drug=ceraxon"] * 11), 400),
        ("/-/nmref/search?q=", 400),
        ("/-/nmref/search.json?q=" + "x" * 500, 400),
        ("/-/nmref/for?condition=zzzzqqq", 404),
        ("/-/nmref/class/nosuch", 404),
    ],
)
def test_a_bad_request_gets_a_4xx_page_never_a_500(url: str, status: int) -> None:
    page = get(url)
    assert page.status_code == status, page.text[:300]
    if url.split("?")[0].endswith(".json"):
        assert page.json()["error"]["status"] == status
    else:
        assert "never calculates a dose" in page.text


def test_an_unknown_drug_page_offers_suggestions() -> None:
    assert "Mildronate" in get("/-/nmref/drug/mildornate").text


def test_the_check_form_lists_names_for_completion() -> None:
    page = get("/-/nmref/check")
    assert page.status_code == 200 and '<datalist id="nmref-names">' in page.text and ">" in page.text
    assert 'value="Acetylsalicylic acid"' in page.text


def test_database_text_is_escaped(tmp_path: Path) -> None:
    path = tmp_path / "hostile.db"
    conn = sqlite3.connect(path)
    sqlite3.connect(BUNDLED_DATABASE).backup(conn)
    body = json.loads(conn.execute("SELECT body FROM monographs WHERE drug_id = 'ceraxon'").fetchone()[0])
    body["indications"][0]["quote"] = "<script>alert(1)</script>"
    conn.execute("UPDATE monographs SET body = ? WHERE drug_id = 'ceraxon'", [json.dumps(body, ensure_ascii=False)])
    conn.commit()
    conn.close()
    html = get("/-/nmref/drug/ceraxon", server(path)).text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_arbitrary_sql_unless_allowed_and_no_writes() -> None:
    assert get("/nmref.json?sql=select+1").status_code == 403
    assert get("/nmref.json?sql=select+1", server(allow_sql=True)).status_code == 200
    refused = get("/nmref.json?sql=" + quote("delete from drugs"), server(allow_sql=True))
    assert refused.status_code >= 400  # immutable and read-only: no statement writes


def test_datasettes_own_views_stay_useful() -> None:
    facts = get("/nmref/facts.json?_search=Quincke&_shape=array")
    assert facts.status_code == 200 and facts.json(), "the facts table has a search box"
    canned = get("/nmref/contraindications_of.json?drug=Ceraxon&_shape=array")
    assert canned.status_code == 200 and any(row["evidence"] == "label-notes" for row in canned.json())
    contradictions = {row["id"]: row for row in get("/nmref/label_contradictions.json?_shape=array").json()}
    # a caveat joining an article's analogue list to a label names both drugs, not one of them
    haemorrhage = contradictions["piracetam-analogues-contradicts-label-cerebral-haemorrhage"]
    assert {"ceraxon", "piracetam"} <= set(haemorrhage["drugs"].split(","))
    assert haemorrhage["quote"] and haemorrhage["citations"]
    home = get("/nmref").text
    assert "never calculates a dose" in home


def test_serve_without_the_web_extra_says_how_to_install_it(tmp_path: Path) -> None:
    blocker = tmp_path / "datasette"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('not installed')\n")
    done = subprocess.run(
        [sys.executable, "-m", "nmref", "serve"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"},
        timeout=60,
    )
    assert done.returncode == 2 and "pip install 'nmref[web]'" in done.stderr and done.stderr.count("\n") == 1


def test_the_load_script_runs_bounded_and_counts_no_errors() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve().parent.parent / "scripts" / "load.py"),
            "--clients",
            "3",
            "--seconds",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "0 errors" in done.stdout and "p99" in done.stdout


def test_the_site_opens_on_nmrefs_index_and_datasettes_tables_stay_one_link_away() -> None:
    home = get("/")
    assert home.status_code == 302 and home.headers["location"].endswith("/-/nmref/")
    index = get("/-/nmref/")
    assert index.status_code == 200 and "Check drugs taken together" in index.text
    assert 'href="/nmref"' in index.text  # the database's own tables page


def test_the_drug_page_reads_safety_first_with_contents_and_claims_folded() -> None:
    html = get("/-/nmref/drug/cerebrolysin").text
    order = [html.index(f'<section id="{key}">') for key in ("contraindications", "interactions", "indications")]
    assert order == sorted(order)
    assert '<nav id="toc"' in html and html.index('<nav id="toc"') < order[0]
    claims = html.index('<details id="claimed-effects">')
    assert claims > order[0]


def test_the_check_page_shows_the_card_and_its_json_link_keeps_the_conditions() -> None:
    html = get("/-/nmref/check?drug=warfarin&drug=aspirin").text
    assert 'id="summary"' in html and "contraindicated" in html.split('id="summary"')[1][:200]
    assert "the labels disagree" in html
    # A label fact reads as a statement with its citation, not as the raw notes line.
    assert "| level" not in html
    with_condition = get("/-/nmref/check?drug=cerebrolysin&condition=G40").text
    link = with_condition.split('id="as-json" href="')[1].split('"')[0]
    assert "condition=G40" in link
    payload = get(link.replace("&amp;", "&")).json()
    assert payload["conditions"][0]["concepts"][0]["codes"] == ["G40"]


def test_serve_says_where_its_pages_are_and_how_to_stop(tmp_path: Path) -> None:
    """`nmref serve` prints one line with the address of nmref's pages (the server is stopped at once)."""
    script = (
        "import sys; from nmref import web; web.serve = lambda *a, listening, assistant: listening(); "
        "from nmref.launcher import main; sys.argv = ['nmref', 'serve', '--port', '8123']; main()"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "nmref: serving nmref's pages at http://127.0.0.1:8123/-/nmref/ (Ctrl-C stops it)"


def test_an_unknown_condition_is_a_404_with_suggestions_never_an_empty_page() -> None:
    for url in ("/-/nmref/for.json?condition=epilepssy", "/-/nmref/check.json?drug=cerebrolysin&condition=epilepssy"):
        page = get(url)
        assert page.status_code == 404, url
        error = page.json()["error"]
        assert "no condition named 'epilepssy'" in error["message"] and any("G40" in s for s in error["suggestions"])
    assert get("/-/nmref/for?condition=эпилепсия").status_code == 200


def test_a_label_line_filed_under_two_classes_is_drawn_once() -> None:
    """Heparin's line 603 is two rows (oral anticoagulants, antiaggregants) so that check reaches
    both classes; the page, like `show`, draws the statement once."""
    html = get("/-/nmref/drug/heparin").text
    assert html.count("oral anticoagulants, epoprostenol, clopidogrel") == 1
