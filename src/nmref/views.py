"""The readable views: each draws a payload of the query layer on a Page (nmref.terminal).

One function per command's payload (VIEWS); `summary` is the key safety facts of a monograph as
data, which the web pages draw too. Every span of database or user text has its control
characters made visible (`_text`), and styles are applied to spans, never parsed out of text.
"""

from collections.abc import Callable, Iterable
from typing import Any

from nmref.errors import printable
from nmref.reading import grouped_by, one_per_statement, summary
from nmref.terminal import Page, Span


def _text(value: Any, style: str = "") -> Span:
    return (printable(str(value)), style)


def _cite(source: dict[str, Any]) -> Span:
    # The short id keeps the quote readable; `nmref sources` and the footer give the titles.
    return _text(f"[{source['id']}, line {source['line']}]", "dim")


def _quote_block(page: Page, fact: dict[str, Any], indent: str = "    ") -> None:
    """The fact's evidence: the verbatim quote and where it stands. A label-notes line says what
    the bullet above it says, so it is cited, not repeated (its words are in the JSON)."""
    if fact["source"]["kind"] == "label-notes":
        page.print(indent, _cite(fact["source"]), *_pages(page, fact["citations"]))
    else:
        page.print(indent, _text("“", "dim"), _text(fact["quote"], "italic"), _text("” ", "dim"), _cite(fact["source"]))
        if fact.get("citations"):
            page.print(indent, *_pages(page, fact["citations"]))
    if fact.get("defect"):
        defect = fact["defect"]
        page.print(indent, _text(f"[source {defect['kind']}] ", "bold yellow"), _text(defect["note"], "yellow"))


def _pages(page: Page, citations: list[dict[str, Any]]) -> list[Span]:
    """The pages a notes fact was read on: their keys (the URLs in the footer, where the view
    has one), else keys and URLs."""
    if page.pages_in_footer:
        return [_text(" pages " + " ".join(c["id"] for c in citations), "dim")]
    return [_text(" pages: " + ", ".join(f"{c['id']} {c['url']}" for c in citations), "dim")]


def _caveat_lines(page: Page, caveats: list[dict[str, Any]], indent: str = "    ") -> None:
    """Each caveat beside the row it qualifies: in full the first time on a page, then by reference."""
    for caveat in caveats:
        style = CAVEAT_STYLES.get(caveat["kind"], "bold red")
        if caveat["id"] in page.caveats_shown:
            page.print(indent, _text(f"⚠ caveat ({caveat['kind']}), as above: ", style), _text(_gist(caveat["text"])))
            continue
        page.caveats_shown.add(caveat["id"])
        page.print(indent, _text(f"⚠ caveat ({caveat['kind']}): ", style), _text(caveat["text"]))
        _quote_block(page, caveat, indent + "  ")


def _gist(text: str, width: int = 60) -> str:
    """The start of a text, cut at a word, for a reference to something shown in full above."""
    return text if len(text) <= width else text[:width].rsplit(" ", 1)[0] + " …"


def _heading(page: Page, title: str) -> None:
    page.print()
    page.print(_text(title, "bold underline"))


# How each kind of evidence is headed in a section.
EVIDENCE_HEADINGS = {
    "official-label": "Official label (our checked notes, with the pages cited)",
    "other-reference": "Other checked references",
    "promotional-article": "Promotional articles",
}
# The dosing section says what each kind of row is: a label row says where the label gives its
# dosing (never the dose); an article row quotes the article, which is no label.
DOSING_HEADINGS = {
    "official-label": "Where each official label gives its dosing (open the cited page; nmref copies no dose)",
    "other-reference": "Other checked references",
    "promotional-article": "Dosing as the article gives it (not an official label)",
}
BASIS_LABELS = {
    "claimed-effect": "claimed effect",
    "group-claim": "claim made of a whole group",
    "pharmacology": "the article's pharmacology, not a use",
}
# Colour carries meaning, the same in every view: absolute contraindication, relative, caveat,
# contradiction.
SEVERITY_STYLES = {"absolute": "bold red", "relative": "bold yellow"}
CAVEAT_STYLES = {
    "contradicts-label": "bold magenta",
    "contradiction": "bold magenta",
    "labels-disagree": "bold magenta",
}


def _fact_label(section: str, fact: dict[str, Any]) -> list[Span | str]:
    # An interaction leads with the other party, as the source names it.
    headline = f"{fact['other_name']} — {fact['text']}" if section == "interactions" else fact["text"]
    label: list[Span | str] = ["  • ", _text(headline, SEVERITY_STYLES.get(fact.get("severity", ""), "bold"))]
    details = []
    if section == "contraindications":
        details.append(fact["severity"])
    if fact.get("basis") in BASIS_LABELS:
        details.append(BASIS_LABELS[fact["basis"]])
    for key in ("topic", "context", "frequency"):
        if fact.get(key):
            details.append(fact[key])
    if section == "interactions":
        details.append(fact["category"])
        if fact.get("label_words"):
            details.append(f"label: {fact['label_words']}")
        if fact.get("names"):
            details.append(f"stated for {fact['stated_for']['name']}; names {fact['names']}")
    if fact.get("via_ingredient"):
        details.append(f"via its ingredient {fact['via_ingredient']['name']}")
    if details:
        label.append(_text(f"  ({'; '.join(details)})", "cyan"))
    return label


EMPTY_SECTION = {
    "ingredients": "The sources name no active ingredient.",
    "forms": "The sources name no dosage form.",
    "indications": "The sources state no indications.",
    "contraindications": "The sources state no contraindications.",
    "precautions": "The sources state nothing on special populations, warnings or overdose.",
    "adverse_effects": "The sources state no adverse effects.",
    "interactions": "The sources state no interactions.",
    "label_dosing": "The sources give no dosing.",
}
TITLES = {
    "ingredients": "Active ingredients",
    "forms": "Forms",
    "indications": "Indications",
    "contraindications": "Contraindications",
    "precautions": "Special populations, warnings, driving, overdose, storage",
    "adverse_effects": "Adverse effects",
    "interactions": "Interactions",
    "label_dosing": "Dosing (nmref never calculates a dose)",
}


def _facts_section(
    page: Page,
    section: str,
    facts: list[dict[str, Any]],
    caveats: list[dict[str, Any]],
    title: str | None = None,
    empty: str | None = None,
) -> None:
    _heading(page, title or TITLES[section])
    facts = one_per_statement(facts)
    if not facts:
        page.print(_text("  " + (empty or EMPTY_SECTION[section]), "dim"))
    if section == "contraindications" and facts:
        facts = sorted(facts, key=lambda fact: fact["severity"] != "absolute")
    by_id = {caveat["id"]: caveat for caveat in caveats}
    by_evidence = grouped_by(facts, lambda fact: fact["evidence"])
    dosing = section == "label_dosing"
    for evidence, heading in (DOSING_HEADINGS if dosing else EVIDENCE_HEADINGS).items():
        if evidence not in by_evidence:
            continue
        if len(by_evidence) > 1 or evidence != "promotional-article" or dosing:
            page.print(_text(f" {heading}:", "bold cyan"))
        facts_here = by_evidence[evidence]
        if section == "indications":
            # Stated uses first; claimed effects apart, under their own heading.
            facts_here = sorted(facts_here, key=lambda fact: fact["basis"] != "stated-use")
        claims_headed = False
        for fact in facts_here:
            if fact.get("basis", "stated-use") != "stated-use" and not claims_headed:
                page.print(_text("  claimed effects, not uses:", "bold cyan"))
                claims_headed = True
            page.print(*_fact_label(section, fact))
            _quote_block(page, fact)
            _caveat_lines(page, [by_id[i] for i in fact.get("caveat_ids", []) if i in by_id])


def _drug_header(page: Page, payload: dict[str, Any], notice: bool = True) -> None:
    drug, matched = payload["drug"], payload["matched"]
    title = [_text(drug["name"], "bold")]
    if matched["kind"] != "canonical":
        title.append(_text(f"   ({matched['name']} → {drug['name']}, {matched['kind']} name)", "dim"))
    page.print(*title)
    page.print(_text(drug["description"]))
    if notice and payload.get("notice"):
        page.print(_text("Note: " + payload["notice"], "yellow"))


def _substance(payload: dict[str, Any], page: Page) -> None:
    """A substance only labels name: no monograph, but which labels name it and how."""
    drug = payload["drug"]
    named = bool(payload["interactions"])
    page.print(
        _text(f"nmref has no monograph for {drug['name']}: ", "bold"),
        _text(
            "it is a substance that the official labels below name."
            if named
            else "it is a substance nmref knows by name so that `check` can answer for it; "
            "no label or article in nmref names it."
        ),
    )
    page.print(_text(drug["description"]), " ", _cite(drug["source"]))
    others = [name["name"] for name in payload["names"] if name["kind"] != "canonical"]
    if others:
        page.print(_text("Also known as: ", "bold"), _text(", ".join(others)))
    if payload["atc"]:
        page.print(_text("ATC: ", "bold"), _text(", ".join(fact["text"] for fact in payload["atc"])))
    classes = "; ".join(" > ".join(c["path"]) for c in payload["classes"])
    if classes:
        page.print(_text("Classes: ", "bold"), _text(classes))
    if named:
        _facts_section(page, "interactions", payload["interactions"], payload["caveats"])
    _sources_footer(page, payload["sources"])


# The monograph's sections in the order clinical references use; precautions are drawn in
# groups by topic: (title, fact list, topics or None for all, what to say when there is none).
PRECAUTION_GROUPS = {
    "warnings": (
        "Warnings, driving and advice on taking it",
        ("boxed warning", "warning", "driving", "advice"),
        "The sources state no warnings.",
    ),
    "populations": (
        "Special populations",
        ("pregnancy", "lactation", "children", "elderly", "renal", "hepatic"),
        "The sources say nothing on pregnancy, lactation, children, the elderly, renal or hepatic impairment.",
    ),
    "overdose": ("Overdose", ("overdose",), "The sources say nothing on overdose."),
    "storage": ("Storage and dispensing", ("storage", "dispensing"), "The sources say nothing on storage."),
}
MONOGRAPH_ORDER = (
    "indications",
    "contraindications",
    "warnings",
    "populations",
    "interactions",
    "adverse_effects",
    "label_dosing",
    "overdose",
    "ingredients",
    "forms",
    "storage",
)
# Summary lines: how many items of a list before "and N more below".
SUMMARY_ITEMS = 6


def _summary(payload: dict[str, Any], page: Page) -> None:
    """The summary in one screen (see `summary`)."""
    brief = summary(payload)
    _drug_header(page, payload, notice=False)
    page.print(_text("Active ingredient: ", "bold"), _text("; ".join(brief["ingredients"]) or "not known"))
    page.print(
        _text("Class: ", "bold"),
        _text("; ".join(brief["classes"]) or "none stated"),
        _text("   ATC: ", "bold"),
        _text("; ".join(brief["atc"]) or "not known"),
    )
    if brief["dispensing"]:
        page.print(_text("Dispensing: ", "bold"), _text(_first(brief["dispensing"])))
    if brief["sport"]:
        sport = brief["sport"]
        page.print(_text("⚠ Sport: ", "bold red"), _text(sport["text"] + " "), _cite(sport["source"]))
    page.print(_text("Key safety facts", "bold underline"), _text("  (each with its quote and source below)", "dim"))
    for group in brief["safety"]:
        style = SEVERITY_STYLES.get(group["kind"], "bold")
        page.print("  • ", _text(f"{group['label']}: ", style), _text(_first(group["items"])))
    if brief["no_contraindications"]:
        page.print("  • ", _text("No contraindications are recorded: not evidence that there are none.", "dim"))
    for caveat in brief["contradictions"]:
        page.print(
            "  ", _text("⚠ The article contradicts the label: ", CAVEAT_STYLES[caveat["kind"]]), _text(caveat["text"])
        )
    if payload.get("notice"):
        page.print(_text("Note: " + payload["notice"], "yellow"))


def _first(items: Iterable[str]) -> str:
    """The first few items of a list, joined, and how many more the full sections show."""
    items = list(dict.fromkeys(items))
    shown = "; ".join(items[:SUMMARY_ITEMS])
    return shown + (f"; and {len(items) - SUMMARY_ITEMS} more below" if len(items) > SUMMARY_ITEMS else "")


def _show(payload: dict[str, Any], page: Page, brief: bool = False) -> None:
    if payload["drug"]["kind"] == "substance":
        _substance(payload, page)
        return
    _summary(payload, page)
    if brief:
        return
    page.pages_in_footer = True
    caveats = payload["caveats"]
    for key in MONOGRAPH_ORDER:
        if key in PRECAUTION_GROUPS:
            title, topics, empty = PRECAUTION_GROUPS[key]
            facts = [fact for fact in payload["precautions"] if fact["topic"] in topics]
            _facts_section(page, "precautions", facts, caveats, title=title, empty=empty)
        else:
            _facts_section(page, key, payload[key], caveats)
    disagree = [c for c in caveats if c["kind"] == "labels-disagree"]
    if disagree:
        # Each point also stands beside the label rows it joins, above; here they are together.
        _heading(page, "Where the labels disagree")
        for caveat in disagree:
            page.print("  • ", _text(caveat["text"]), " ", _cite(caveat["source"]))
    _heading(page, "Analogues listed by the sources")
    if not payload["analogues"]:
        page.print(_text("  The sources list no analogues.", "dim"))
    for form, facts in grouped_by(payload["analogues"], lambda fact: fact["dosage_form"]).items():
        flagged = {i for f in facts for i in f["caveat_ids"]}
        names_text = ", ".join(f["analogue_name"] + (" ⚠" if f["caveat_ids"] else "") for f in facts)
        page.print("  • ", _text(form + ": ", "bold"), _text(names_text))
        page.print("    ", _cite(facts[0]["source"]))
        _caveat_lines(page, [c for c in caveats if c["id"] in flagged])
    if payload["listed_as_analogue_of"]:
        listed = ", ".join(f"{f['drug_name']} ({f['dosage_form']})" for f in payload["listed_as_analogue_of"])
        page.print("  ", _text("Listed as an analogue of: ", "bold"), _text(listed))
        for fact in payload["listed_as_analogue_of"]:
            _caveat_lines(page, [c for c in caveats if c["id"] in fact["caveat_ids"]])
    _heading(page, "Names")
    names = [n for n in payload["names"] if n["kind"] != "canonical"]
    page.print("  ", _text(", ".join(f"{n['name']} ({n['kind']})" for n in names) or "No other names recorded."))
    for title, facts in (
        ("Anti-doping status", payload["sport"]),
        ("Labels the label facts come from", payload["label"]),
        ("Regulatory notes", payload["regulatory"]),
    ):
        if facts:
            _heading(page, title)
        for fact in facts:
            page.print("  • ", _text(fact["text"], "bold"), _via(fact))
            _quote_block(page, fact)
            _caveat_lines(page, [c for c in caveats if c["id"] in fact["caveat_ids"]])
    attached = {
        i
        for section in (*TITLES, "analogues", "listed_as_analogue_of", "atc", "sport", "label", "regulatory")
        for f in payload[section]
        for i in f.get("caveat_ids", [])
    }
    general = [c for c in caveats if c["id"] not in attached]
    if general:
        _heading(page, "Caveats")
        _caveat_lines(page, general, "  ")
    _sources_footer(page, payload["sources"], payload["pages"])


def _via(fact: dict[str, Any]) -> Span:
    via = fact.get("via_ingredient")
    return _text(f"  (via its ingredient {via['name']})" if via else "", "cyan")


def _sources_footer(page: Page, sources: list[dict[str, Any]], pages: list[dict[str, Any]] | None = None) -> None:
    _heading(page, "Sources cited")
    for source in sources:
        lines = ", ".join(map(str, source["lines"]))
        page.print(_text(f"  {source['id']}: {source['title']} [{source['kind']}], lines {lines}"))
    if pages:
        _heading(page, "Pages cited (the public pages the notes were read on)")
        for cited in pages:
            grade = f" [{cited['grade']}]" if cited.get("grade") else ""
            page.print(
                _text(f"  {cited['id']} ", "bold"), _text(cited["url"] + " "), _text(cited["title"] + grade, "dim")
            )


def _section(payload: dict[str, Any], page: Page) -> None:
    _drug_header(page, payload)
    _facts_section(page, payload["section"], payload["facts"], payload["caveats"])
    attached = {i for f in payload["facts"] for i in f.get("caveat_ids", [])}
    general = [c for c in payload["caveats"] if c["id"] not in attached]
    if general:
        _heading(page, "Caveats about this drug")
        _caveat_lines(page, general, "  ")


def _class(payload: dict[str, Any], page: Page) -> None:
    page.print(_text(" > ".join(payload["class"]["path"]), "bold"))
    for name, members in grouped_by(payload["members"], lambda member: member["class"]["name"]).items():
        _heading(page, name)
        for member in members:
            page.print(_text(f"  • {member['name']}"))


def _classes(payload: dict[str, Any], page: Page) -> None:
    page.print(_text("Classes", "bold"))

    def add(nodes: list[dict[str, Any]], prefix: str) -> None:
        for position, node in enumerate(nodes, 1):
            last = position == len(nodes)
            named_by = "  [named by official labels]" if node["evidence"] == "official-label" else ""
            page.print(
                prefix + ("└── " if last else "├── "),
                _text(f"{node['name']} ({node['members']})"),
                _text(named_by, "dim"),
            )
            add(node["children"], prefix + ("    " if last else "│   "))

    add(payload["classes"], "")


def _drugs(payload: dict[str, Any], page: Page) -> None:
    # One plain name per line so that `nmref drugs | grep`, `head` and `wc -l` just work.
    for drug in payload["drugs"]:
        page.print(printable(drug["name"], one_line=True))


def _search(payload: dict[str, Any], page: Page) -> None:
    by_id = {caveat["id"]: caveat for caveat in payload["caveats"]}
    for hit in payload["hits"]:
        quote, shown = [], 0
        for start, end in hit["highlights"]:
            quote += [_text(hit["quote"][shown:start], "italic"), _text(hit["quote"][start:end], "bold reverse")]
            shown = end
        quote.append(_text(hit["quote"][shown:], "italic"))
        about = hit["drug"]["name"] if hit["drug"] else "whole article"
        page.print(_text(f"{about} · {hit['section'].replace('_', ' ')}: ", "bold"), _text(hit["text"]))
        page.print("    “", *quote, "” ", _cite(hit["source"]), _text(f"  ({hit['evidence']})", "dim"))
        _caveat_lines(page, [by_id[i] for i in hit["caveat_ids"] if i in by_id])


def _sources(payload: dict[str, Any], page: Page) -> None:
    for source in payload["sources"]:
        where = source["file"] or source["url"]
        checksum = f"  sha256 {source['sha256']}" if source["sha256"] else ""
        page.print(
            _text(
                f"{source['id']}  [{source['kind']}]  {source['facts']} facts, "
                f"cited {source['citations']} times{checksum}",
                "bold",
            )
        )
        grade = f"  [{source['grade']}]" if source.get("grade") else ""
        page.print(_text(f"    {source['title']} — {where}"), _text(grade, "dim"))
    if payload["label_versions"]:
        _heading(page, "Label versions the label facts were read from")
        for version in payload["label_versions"]:
            holder = f"; {version['holder']}" if version["holder"] else ""
            page.print(
                _text(f"  {version['drug_id']}: ", "bold"),
                _text(f"{version['country']}, {version['document']}{holder}; dated {version['dated']}; "),
                _text(f"read {version['read_on']}; pages {' '.join(version['pages'])}", "dim"),
            )
    if "stale" in payload:
        before = payload["stale"]["before"]
        _heading(
            page, "Label facts resting only on undated labels" + (f" or labels older than {before}" if before else "")
        )
        if not payload["stale"]["facts"]:
            page.print(_text("  none", "dim"))
        for fact in payload["stale"]["facts"]:
            page.print(
                _text(f"  {fact['drug_id']} · {fact['table'].replace('_', ' ')}: ", "bold"),
                _text(fact["text"] + " "),
                _cite(fact["source"]),
                _text(f"  ({fact['why']})", "dim"),
            )
    page.print(_text("Note: " + payload["notice"], "yellow"))


# The verdict's colour: ruled out, to avoid, care, watch; anything else plain.
LEVEL_STYLES = {
    "contraindicated": "bold red",
    "avoid combining": "bold red",
    "duplicate therapy": "bold red",
    "caution": "bold yellow",
    "monitor": "bold yellow",
}


def _analogues(payload: dict[str, Any], page: Page) -> None:
    _drug_header(page, payload)
    if not payload["dosage_forms"]:
        page.print(_text("The sources list no analogues for this drug.", "dim"))
    for group in payload["dosage_forms"]:
        _heading(page, group["dosage_form"])
        listed = group["analogues"]
        for index, fact in enumerate(listed):
            ingredients = ", ".join(fact["ingredients"]) or "unknown"
            page.print(
                "  • ", _text(fact["analogue_name"], "bold"), _text(f"  (active ingredient: {ingredients})", "cyan")
            )
            for warning in fact["warnings"]:
                page.print("    ", _text(f"⚠ {warning['category']}: ", "bold red"), _text(warning["effect"] or ""))
                for evidence in warning["evidence"]:
                    _quote_block(page, evidence, "      ")
            # Each source line's quote after the analogues it lists: two lines of one dosage
            # form (the article's two "Capsules" lines) each cite their own.
            following = listed[index + 1] if index + 1 < len(listed) else None
            if following is None or following["source"] != fact["source"]:
                _quote_block(page, fact)


EVIDENCE_MARKS = {"official-label": "label", "promotional-article": "article", "other-reference": "reference"}


def _compare(payload: dict[str, Any], page: Page) -> None:
    """Drugs side by side, section by section: each fact in a line, marked with its kind of
    evidence and cited; the quotes are in each drug's own monograph."""
    drugs = payload["drugs"]
    page.print(_text("Compared: " + ", ".join(entry["drug"]["name"] for entry in drugs), "bold"))
    page.print(_text("Taken together (nmref check): " + payload["summary"], "bold"))
    for verdict in payload["verdicts"]:
        where = f" ({verdict['from']})" if verdict["from"] else ""
        disagree = "; the labels disagree" if verdict["labels_disagree"] else ""
        todo = f"; what to do: {'; '.join(verdict['what_to_do'])}" if verdict["what_to_do"] else ""
        page.print(
            "  • ",
            _text(" + ".join(verdict["drugs"]) + ": ", "bold"),
            _text(verdict["level"], LEVEL_STYLES.get(verdict["level"], "bold")),
            _text(where + disagree + todo, "dim"),
        )
    for section in payload["sections"]:
        name = section["section"]
        _heading(page, TITLES[name])
        cells = []
        for entry, facts in zip(drugs, section["facts"], strict=True):
            cell = [[_text(entry["drug"]["name"], "bold cyan")]]
            for fact in facts:
                label = _fact_label(name, fact)
                cell.append([*label, _text(f" [{EVIDENCE_MARKS[fact['evidence']]}] ", "dim"), _cite(fact["source"])])
            if not facts:
                cell.append([_text("  " + EMPTY_SECTION[name], "dim")])
            cells.append(cell)
        page.columns(cells)
    page.print()
    page.print(_text("Note: " + payload["notice"], "yellow"))


# The card and the condition answers draw with the helpers above (a module of their own, by concern).
from nmref.card_views import check_view, for_view  # noqa: E402

VIEWS: dict[str, Callable[[dict[str, Any], Page], None]] = {
    "show": _show,
    "show-brief": lambda payload, page: _show(payload, page, brief=True),
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
    "for": for_view,
    "check": check_view,
    "analogues": _analogues,
    "compare": _compare,
}
