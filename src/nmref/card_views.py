"""The views of the answers `check` and `for` give: the card, strictest first, and the drugs
for a condition, each saying what condition it understood. Drawn on a Page with the helpers of
nmref.views, as every other view."""

from typing import Any

from nmref.terminal import Page, Span
from nmref.views import LEVEL_STYLES, _caveat_lines, _fact_label, _heading, _quote_block, _text


def for_view(payload: dict[str, Any], page: Page) -> None:
    page.print(_text(f"Condition: {payload['understood']}", "bold"), _text(f"  (asked: {payload['condition']})", "dim"))
    if payload["statement"]:
        page.print(_text(payload["statement"]))
    by_id = {caveat["id"]: caveat for caveat in payload["caveats"]}
    for drug in payload["drugs"]:
        _heading(page, drug["name"])
        if drug["contraindications"]:
            page.print(_text(" ⚠ contraindicated here by its own sources:", LEVEL_STYLES["contraindicated"]))
        for fact in drug["contraindications"]:
            page.print(
                *_fact_label("contraindications", fact), *_reached(fact), _text(f"  [{fact['evidence']}]", "dim")
            )
            _quote_block(page, fact)
            _caveat_lines(page, [by_id[i] for i in fact["caveat_ids"] if i in by_id])
        for key, heading in (("indications", "stated uses"), ("claimed_effects", "claimed effects, not uses")):
            if drug[key]:
                page.print(_text(f" {heading}:", "bold cyan"))
            for fact in drug[key]:
                page.print(*_fact_label("indications", fact), *_reached(fact), _text(f"  [{fact['evidence']}]", "dim"))
                _quote_block(page, fact)
                _caveat_lines(page, [by_id[i] for i in fact["caveat_ids"] if i in by_id])
    page.print()
    page.print(_text("Note: " + payload["notice"], "yellow"))


def _reached(fact: dict[str, Any]) -> list[Span]:
    """How a fact found by a condition was reached, where not by the concept itself."""
    others = [f"{r['how']}: {r['concept']}" for r in fact.get("reached", []) if r["how"] != "exact"]
    return [_text(f"  ({'; '.join(others)})", "dim")] if others else []


NOTHING_STATED = "The sources searched state nothing about this. This is not evidence of safety."


def check_view(payload: dict[str, Any], page: Page) -> None:
    """The card: the bottom line, then one verdict per pair and per drug with a condition,
    strictest first, each with where its level comes from, what to do, and its evidence."""
    by_id = {caveat["id"]: caveat for caveat in payload["caveats"]}
    page.print(_text("Checked: " + ", ".join(d["name"] for d in payload["drugs"]), "bold"))
    for condition in payload["conditions"]:
        asked = _text(f"  (asked: {condition['query']})", "dim")
        page.print(_text(f"Condition: {condition['understood']}", "bold"), asked)
    page.print(_text(payload["summary"], "bold"))
    # The document's statement (nothing found at all) says what each verdict's would: once.
    said_once = payload["statement"] and not all(verdict["statement"] for verdict in payload["verdicts"])
    if said_once:
        page.print(_text(payload["statement"]))
    for verdict in payload["verdicts"]:
        page.print()
        subject = " + ".join(verdict["drugs"]) + (f" with {verdict['condition']}" if verdict["condition"] else "")
        page.print(_text(f"{subject}: ", "bold"), _text(verdict["level"], LEVEL_STYLES.get(verdict["level"], "bold")))
        if verdict["statement"]:
            page.print("  ", _text(verdict["statement"]))
            continue
        if not verdict["findings"]:
            if not said_once:
                page.print("  ", _text(NOTHING_STATED))
            continue
        page.print("  ", _text("strictest: ", "bold"), _text(verdict["from"] or ""))
        others = [level for level in verdict["levels"] if level["level"] != verdict["level"]]
        if others:
            shown = "; ".join(f"{level['level']} ({', '.join(level['from'])})" for level in others)
            page.print("  ", _text("other levels: ", "bold"), _text(shown))
        if verdict["labels_disagree"]:
            page.print("  ", _text("⚠ the labels disagree on the level; the strictest is shown first", "bold magenta"))
        elif verdict["sources_disagree"]:
            page.print("  ", _text("⚠ the sources disagree on the level; the strictest is shown first", "bold magenta"))
        if verdict["what_to_do"]:
            page.print("  ", _text("what to do: ", "bold"), _text("; ".join(verdict["what_to_do"])))
        for index in verdict["findings"]:
            _finding(page, payload["findings"][index], by_id)
    sport = [f for f in payload["findings"] if f["connection"] == "sport status"]
    for finding in sport:
        page.print()
        page.print(_text(f"⚠ Sport: {finding['drugs'][0]}: ", "bold red"), _text(finding["effect"] or ""))
        for fact in finding["evidence"]:
            _quote_block(page, fact)
    page.print()
    for searched in payload["searched"]:
        kinds = ", ".join(searched["evidence"]) or "none"
        page.print(_text(f"Searched for {searched['drug']}: {kinds}", "dim"))
    page.print()
    page.print(_text("Note: " + payload["notice"], "yellow"))


def _finding(page: Page, finding: dict[str, Any], caveats: dict[str, dict[str, Any]]) -> None:
    """One finding under its verdict: the level, the statement in our words and how it connects
    the drugs; then each fact (a label fact cited, an article's words quoted)."""
    how = finding["connection"] + (f" ({finding['ingredient']})" if finding["ingredient"] else "")
    page.print(
        "  • ",
        _text(f"{finding['category']}: ", LEVEL_STYLES.get(finding["category"], "bold")),
        _text(finding["effect"] or (f"both contain {finding['ingredient']}" if finding["ingredient"] else "")),
        _text(f"  ({how})", "cyan"),
    )
    for fact in finding["evidence"]:
        page.print("    ", _text(fact["evidence"], "dim"), *_reached(finding))
        _quote_block(page, fact, "      ")
        _caveat_lines(page, [caveats[i] for i in fact.get("caveat_ids", []) if i in caveats], "      ")
