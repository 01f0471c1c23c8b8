"""The one place that writes results to stdout: JSON, NDJSON, or a readable terminal view.

JSON and NDJSON never import rich. The terminal view does, inside its functions, and prints
every piece of database or user text as a rich Text with control characters made visible, so
nothing from the data is ever read as markup or as a terminal escape.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from enum import Enum
from typing import IO, TYPE_CHECKING, Any

from nmref.errors import printable

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

SCHEMA_VERSION = 1


class OutputFormat(str, Enum):
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


def document(payload: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, **payload}


def emit(payload: dict[str, Any], fmt: OutputFormat, out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    if fmt is OutputFormat.json:
        # One write: json.dump would make thousands, each a system call on an unbuffered stdout.
        out.write(json.dumps(document(payload), ensure_ascii=False, indent=2) + "\n")
    elif fmt is OutputFormat.ndjson:
        key = NDJSON_RECORDS.get(payload["command"])
        records = payload[key] if key else [payload]
        for record in records:
            out.write(json.dumps({"schema_version": SCHEMA_VERSION, **record}, ensure_ascii=False) + "\n")
    else:
        VIEWS[payload["command"]](payload, out)
    out.flush()


def emit_stream(payloads: Iterable[dict[str, Any]], fmt: OutputFormat, out: IO[str] | None = None) -> None:
    """Results of a batch: one JSON object per line (JSON or NDJSON asked for), or views in turn."""
    out = out or sys.stdout
    for payload in payloads:
        if fmt is OutputFormat.text:
            if "error" in payload:
                sys.stderr.write(payload["error"]["message"] + "\n")
            else:
                VIEWS[payload["command"]](payload, out)
        else:
            out.write(json.dumps(document(payload), ensure_ascii=False) + "\n")
        out.flush()


# --- terminal views ---------------------------------------------------------------------------


def _console(out: IO[str]) -> Console:
    from rich.console import Console

    # highlight=False: rich would otherwise colour numbers and words inside quotes. Piped output
    # is not wrapped, so that a quote stays on one line for grep.
    return Console(file=out, highlight=False, emoji=False, soft_wrap=not out.isatty())


def _text(value: Any, style: str = "") -> Text:
    from rich.text import Text

    return Text(printable(str(value)), style=style)


def _cite(source: dict[str, Any]) -> Text:
    # The short id keeps the quote readable; `nmref sources` and the footer give the titles.
    return _text(f"[{source['id']}, line {source['line']}]", "dim")


def _quote_block(console: Console, fact: dict[str, Any], indent: str = "    ") -> None:
    from rich.text import Text

    console.print(Text.assemble(indent, _text("“", "dim"), _text(fact["quote"], "italic"), _text("” ", "dim"), _cite(fact["source"])))
    if fact.get("defect"):
        defect = fact["defect"]
        console.print(Text.assemble(indent, _text(f"[source {defect['kind']}] ", "bold yellow"), _text(defect["note"], "yellow")))
    if fact.get("citations"):
        pages = ", ".join(f"{c['id']} {c['url']}" for c in fact["citations"])
        console.print(Text.assemble(indent, _text("cites: " + pages, "dim")))


def _caveat_lines(console: Console, caveats: list[dict[str, Any]], indent: str = "    ") -> None:
    from rich.text import Text

    for caveat in caveats:
        console.print(Text.assemble(indent, _text(f"⚠ caveat ({caveat['kind']}): ", "bold red"), _text(caveat["text"])))
        _quote_block(console, caveat, indent + "  ")


def _heading(console: Console, title: str) -> None:
    console.print()
    console.print(_text(title, "bold underline"))


def _fact_label(section: str, fact: dict[str, Any]) -> Text:
    from rich.text import Text

    label = Text.assemble("  • ", _text(fact["text"], "bold"))
    details = []
    if section == "contraindications":
        details.append(fact["severity"])
    for key in ("context", "frequency"):
        if fact.get(key):
            details.append(fact[key])
    if section == "interactions":
        details.append(f"{fact['category']} — {fact['other_name']}")
    if details:
        label.append_text(_text(f"  ({'; '.join(details)})", "cyan"))
    return label


EMPTY_SECTION = {
    "ingredients": "The sources name no active ingredient.",
    "forms": "The sources name no dosage form.",
    "indications": "The sources state no indications.",
    "contraindications": "The sources state no contraindications.",
    "adverse_effects": "The sources state no adverse effects.",
    "interactions": "The sources state no interactions.",
    "label_dosing": "The sources give no dosing.",
}
TITLES = {
    "ingredients": "Active ingredients",
    "forms": "Forms",
    "indications": "Indications",
    "contraindications": "Contraindications",
    "adverse_effects": "Adverse effects",
    "interactions": "Interactions",
    "label_dosing": "Label dosing (quoted verbatim from the source; nmref never calculates a dose)",
}


def _facts_section(console: Console, section: str, facts: list[dict[str, Any]], caveats: list[dict[str, Any]]) -> None:
    _heading(console, TITLES[section])
    if not facts:
        console.print(_text("  " + EMPTY_SECTION[section], "dim"))
    if section == "contraindications" and facts:
        facts = sorted(facts, key=lambda fact: fact["severity"] != "absolute")
    by_id = {caveat["id"]: caveat for caveat in caveats}
    for fact in facts:
        console.print(_fact_label(section, fact))
        _quote_block(console, fact)
        _caveat_lines(console, [by_id[i] for i in fact.get("caveat_ids", []) if i in by_id])


def _drug_header(console: Console, payload: dict[str, Any]) -> None:
    from rich.text import Text

    drug, matched = payload["drug"], payload["matched"]
    title = Text.assemble(_text(drug["name"], "bold"))
    if matched["kind"] != "canonical":
        title.append_text(_text(f"   ({matched['name']} → {drug['name']}, {matched['kind']} name)", "dim"))
    console.print(title)
    console.print(_text(drug["description"]))
    if payload.get("notice"):
        console.print(_text("Note: " + payload["notice"], "yellow"))


def _show(payload: dict[str, Any], out: IO[str]) -> None:
    from rich.text import Text

    console = _console(out)
    _drug_header(console, payload)
    names = [n for n in payload["names"] if n["kind"] != "canonical"]
    if names:
        console.print(Text.assemble(_text("Also known as: ", "bold"), _text(", ".join(f"{n['name']} ({n['kind']})" for n in names))))
    classes = "; ".join(" > ".join(c["path"]) for c in payload["classes"]) or "none stated"
    console.print(Text.assemble(_text("Classes: ", "bold"), _text(classes)))
    atc = "; ".join(f["text"] for f in payload["atc"]) or "not known"
    console.print(Text.assemble(_text("ATC: ", "bold"), _text(atc)))
    caveats = payload["caveats"]
    for section in TITLES:
        _facts_section(console, section, payload[section], caveats)
    _heading(console, "Analogues listed by the sources")
    if not payload["analogues"]:
        console.print(_text("  The sources list no analogues.", "dim"))
    for form, facts in _group(payload["analogues"], "dosage_form").items():
        flagged = {i for f in facts for i in f["caveat_ids"]}
        names_text = ", ".join(f["analogue_name"] + (" ⚠" if f["caveat_ids"] else "") for f in facts)
        console.print(Text.assemble("  • ", _text(form + ": ", "bold"), _text(names_text)))
        console.print(Text.assemble("    ", _cite(facts[0]["source"])))
        _caveat_lines(console, [c for c in caveats if c["id"] in flagged])
    if payload["listed_as_analogue_of"]:
        listed = ", ".join(f"{f['drug_name']} ({f['dosage_form']})" for f in payload["listed_as_analogue_of"])
        console.print(Text.assemble("  ", _text("Listed as an analogue of: ", "bold"), _text(listed)))
    _heading(console, "Regulatory notes (from the reference notes)")
    if not payload["regulatory"]:
        console.print(_text("  The reference notes record no regulatory status.", "dim"))
    for fact in payload["regulatory"]:
        console.print(Text.assemble("  • ", _text(fact["text"], "bold")))
        _quote_block(console, fact)
    attached = {i for section in (*TITLES, "analogues") for f in payload[section] for i in f.get("caveat_ids", [])}
    general = [c for c in caveats if c["id"] not in attached]
    if general:
        _heading(console, "Caveats")
        _caveat_lines(console, general, "  ")
    _sources_footer(console, payload["sources"])


def _sources_footer(console: Console, sources: list[dict[str, Any]]) -> None:
    _heading(console, "Sources cited")
    for source in sources:
        lines = ", ".join(map(str, source["lines"]))
        console.print(_text(f"  {source['id']}: {source['title']} [{source['kind']}], lines {lines}"))


def _group(items: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(item[key], []).append(item)
    return grouped


def _section(payload: dict[str, Any], out: IO[str]) -> None:
    console = _console(out)
    _drug_header(console, payload)
    _facts_section(console, payload["section"], payload["facts"], payload["caveats"])
    attached = {i for f in payload["facts"] for i in f.get("caveat_ids", [])}
    general = [c for c in payload["caveats"] if c["id"] not in attached]
    if general:
        _heading(console, "Caveats about this drug")
        _caveat_lines(console, general, "  ")


def _class(payload: dict[str, Any], out: IO[str]) -> None:
    console = _console(out)
    console.print(_text(" > ".join(payload["class"]["path"]), "bold"))
    for name, members in _by_class(payload):
        _heading(console, name)
        for member in members:
            console.print(_text(f"  • {member['name']}"))


def _by_class(payload: dict[str, Any]) -> Iterable[tuple[str, list[dict[str, Any]]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for member in payload["members"]:
        grouped.setdefault(member["class"]["name"], []).append(member)
    return grouped.items()


def _classes(payload: dict[str, Any], out: IO[str]) -> None:
    from rich.tree import Tree

    console = _console(out)
    tree = Tree(_text("Classes", "bold"))

    def add(branch: Tree, nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            add(branch.add(_text(f"{node['name']} ({node['members']})")), node["children"])

    add(tree, payload["classes"])
    console.print(tree)


def _drugs(payload: dict[str, Any], out: IO[str]) -> None:
    # One plain name per line so that `nmref drugs | grep`, `head` and `wc -l` just work.
    out.write("".join(printable(drug["name"], one_line=True) + "\n" for drug in payload["drugs"]))


def _search(payload: dict[str, Any], out: IO[str]) -> None:
    from rich.text import Text

    console = _console(out)
    for hit in payload["hits"]:
        quote = _text(hit["quote"], "italic")
        for start, end in hit["highlights"]:
            quote.stylize("bold reverse", start, end)
        about = hit["drug"]["name"] if hit["drug"] else "whole article"
        console.print(Text.assemble(_text(f"{about} · {hit['section'].replace('_', ' ')}: ", "bold"), _text(hit["text"])))
        console.print(Text.assemble("    “", quote, "” ", _cite(hit["source"])))


def _sources(payload: dict[str, Any], out: IO[str]) -> None:
    console = _console(out)
    for source in payload["sources"]:
        where = source["file"] or source["url"]
        checksum = f"  sha256 {source['sha256']}" if source["sha256"] else ""
        console.print(_text(f"{source['id']}  [{source['kind']}]  {source['facts']} facts, cited {source['citations']} times{checksum}", "bold"))
        console.print(_text(f"    {source['title']} — {where}"))
    console.print(_text("Note: " + payload["notice"], "yellow"))


def _for(payload: dict[str, Any], out: IO[str]) -> None:
    console = _console(out)
    console.print(_text(f"Drugs whose indications mention {payload['condition']!s}:", "bold"))
    for drug in payload["drugs"]:
        _heading(console, drug["name"])
        for fact in drug["indications"]:
            console.print(_fact_label("indications", fact))
            _quote_block(console, fact)
    console.print()
    console.print(_text("Note: " + payload["notice"], "yellow"))


def _check(payload: dict[str, Any], out: IO[str]) -> None:
    from rich.text import Text

    console = _console(out)
    console.print(_text("Checked: " + ", ".join(d["name"] for d in payload["drugs"]), "bold"))
    if payload["statement"]:
        console.print(_text(payload["statement"]))
    for finding in payload["findings"]:
        console.print()
        head = " + ".join(finding["drugs"]) + f": {finding['category']}"
        console.print(Text.assemble(_text("⚠ " + head, "bold red"), _text(f"  [{finding['category_note']}]", "dim")))
        how = finding["connection"] + (f" ({finding['ingredient']})" if finding["ingredient"] else "")
        console.print(Text.assemble("  ", _text("connection: ", "bold"), _text(how)))
        if finding["effect"]:
            console.print(Text.assemble("  ", _text("the source says: ", "bold"), _text(finding["effect"])))
        for fact in finding["evidence"]:
            _quote_block(console, fact)
    console.print()
    console.print(_text("Note: " + payload["notice"], "yellow"))


def _analogues(payload: dict[str, Any], out: IO[str]) -> None:
    from rich.text import Text

    console = _console(out)
    _drug_header(console, payload)
    if not payload["dosage_forms"]:
        console.print(_text("The sources list no analogues for this drug.", "dim"))
    for group in payload["dosage_forms"]:
        _heading(console, group["dosage_form"])
        for fact in group["analogues"]:
            ingredients = ", ".join(fact["ingredients"]) or "unknown"
            console.print(Text.assemble("  • ", _text(fact["analogue_name"], "bold"), _text(f"  (active ingredient: {ingredients})", "cyan")))
            for warning in fact["warnings"]:
                console.print(Text.assemble("    ", _text(f"⚠ {warning['category']}: ", "bold red"), _text(warning["effect"] or "")))
                for evidence in warning["evidence"]:
                    _quote_block(console, evidence, "      ")
        _quote_block(console, group["analogues"][0])


VIEWS: dict[str, Callable[[dict[str, Any], IO[str]], None]] = {
    "show": _show,
    "indications": _section,
    "contraindications": _section,
    "adverse-effects": _section,
    "interactions": _section,
    "dosing": _section,
    "class": _class,
    "classes": _classes,
    "drugs": _drugs,
    "search": _search,
    "sources": _sources,
    "for": _for,
    "check": _check,
    "analogues": _analogues,
}
