"""Dosing named for what it is: the articles' rows under "Dosing as the article gives it (not an
official label)", and a label's rows under where the label gives its dosing, in the text view and
on the drug page, whichever rows a drug has."""

from __future__ import annotations

import pytest

from conftest import run

ARTICLE_HEADING = "Dosing as the article gives it (not an official label)"
LABEL_HEADING = "Where each official label gives its dosing"


def test_the_article_s_dosing_is_headed_as_the_article_s_not_a_label_s() -> None:
    facts = run("dosing", "ceraxon", "--json").json()["facts"]
    text = run("dosing", "ceraxon").stdout
    kinds = {fact["evidence"] for fact in facts}
    assert "promotional-article" in kinds
    assert ARTICLE_HEADING in text
    # Every article row stands below that heading, and the label heading only where a label row is.
    article_rows = [fact["text"] for fact in facts if fact["evidence"] == "promotional-article"]
    heading_at = text.index(ARTICLE_HEADING)
    assert all(text.index(row) > heading_at for row in article_rows)
    assert (LABEL_HEADING in text) == ("official-label" in kinds)


def test_the_drug_page_heads_the_dosing_rows_by_kind() -> None:
    pytest.importorskip("datasette", reason="the web extra is not installed: pip install 'nmref[web]'")
    from test_web import get

    html = get("/-/nmref/drug/ceraxon").text
    section = html[html.index('<section id="label_dosing">') :]
    section = section[: section.index("</section>")]
    assert f"<h3>{ARTICLE_HEADING}</h3>" in section
    facts = run("dosing", "ceraxon", "--json").json()["facts"]
    assert ("<h3>" + LABEL_HEADING in section) == any(fact["evidence"] == "official-label" for fact in facts)
