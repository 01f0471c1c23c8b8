"""The check card: one verdict per pair of drugs and per drug with a condition, strictest first.

A verdict is the strictest level any source gives (the shared scale below), with the source that
gives it, every other source's level, and whether the sources, and the official labels among
them, disagree. Each level is a person's reading of the source's own words, which stay with the
evidence. The card never computes or restates a dose.
"""

from typing import Any

# The shared scale, strictest first: (level, what it means). A finding's category maps onto it;
# categories that state no risk (enhances effect, may be combined, required combination,
# compatible diluent, a contradiction between sources, sport status) are notes.
SCALE = (
    ("contraindicated", "a source rules the combination, or the drug in this condition, out"),
    ("avoid combining", "a source says not to combine, or not recommended"),
    ("duplicate therapy", "both contain the same active ingredient, or belong to a class that is not doubled"),
    ("caution", "a source says to use with caution, or only when the benefit outweighs the risk"),
    ("monitor", "a source says to watch for an effect (INR, bleeding, blood pressure, ...)"),
    ("note", "a source mentions the combination without a level of risk"),
    ("no fact stated", "no source searched says anything about it: not evidence of safety"),
)
RANK = {level: rank for rank, (level, _) in enumerate(SCALE)}
NOTE_RANK = RANK["note"]
NO_FACT = "no fact stated"


def rank(category: str) -> int:
    return RANK.get(category, NOTE_RANK)


def origin(fact: dict[str, Any], titles: dict[str, str]) -> str:
    """Where a fact comes from, for a person: the label pages it was read on, with their grade
    ("UK SmPC, low-dose Aspirin ... (label copy)"), or the kind of document."""
    if fact["evidence"] == "official-label" and fact.get("citations"):
        pages = list(dict.fromkeys(titles.get(c["id"], c["id"]) for c in fact["citations"]))
        return "label: " + "; ".join(pages[:2]) + (f"; and {len(pages) - 2} more" if len(pages) > 2 else "")
    if fact["evidence"] == "promotional-article":
        return f"promotional article ({fact['source']['id']})"
    return f"{fact['evidence']} ({fact['source']['id']})"


def verdict(subject: dict[str, Any], findings: list[dict[str, Any]], titles: dict[str, str]) -> dict[str, Any]:
    """The verdict on one subject (a pair, or a drug with a condition) from its findings."""
    ordered = sorted(findings, key=lambda finding: rank(finding["category"]))
    levels: dict[str, list[str]] = {}
    label_levels: set[str] = set()
    for finding in ordered:
        for fact in finding["evidence"]:
            levels.setdefault(finding["category"], [])
            place = origin(fact, titles)
            if place not in levels[finding["category"]]:
                levels[finding["category"]].append(place)
            if fact.get("evidence") == "official-label" and rank(finding["category"]) < NOTE_RANK:
                label_levels.add(finding["category"])
    risk_levels = {level for level in levels if rank(level) < NOTE_RANK}
    what_to_do = list(
        dict.fromkeys(
            action
            for finding in ordered
            if finding.get("management")
            for action in [management_words(finding["management"])]
            if action
        )
    )
    strictest = ordered[0] if ordered else None
    return {
        **subject,
        "level": strictest["category"] if strictest else NO_FACT,
        "from": origin(strictest["evidence"][0], titles) if strictest and strictest["evidence"] else None,
        "levels": [{"level": level, "from": places} for level, places in levels.items()],
        "sources_disagree": len(risk_levels) > 1,
        "labels_disagree": len(label_levels) > 1,
        "what_to_do": what_to_do,
        "findings": ordered,
    }


def management_words(management: dict[str, Any]) -> str | None:
    """'monitor: INR; bleeding', 'avoid', ...: the action a person assigned from the source's words."""
    action = management["management"]
    if action == "not stated":
        return None
    return f"{action}: {management['monitor']}" if management.get("monitor") else action


def order(verdicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Strictest first (a subject with no fact last); otherwise in the order asked."""
    return sorted(verdicts, key=lambda v: rank(v["level"]))


def summary(verdicts: list[dict[str, Any]], sport: list[str]) -> str:
    """The bottom line that opens the answer: '3 pairs checked: 1 contraindicated, 1 avoid
    combining, 1 no fact stated; sport: Mildronate prohibited'."""
    parts = []
    for kind, (one, many) in (
        ("pair", ("pair", "pairs")),
        ("condition", ("drug with a condition", "drugs with a condition")),
    ):
        chosen = [v for v in verdicts if v["kind"] == kind]
        if not chosen:
            continue
        counts: dict[str, int] = {}
        for v in chosen:
            counts[v["level"]] = counts.get(v["level"], 0) + 1
        tally = ", ".join(
            f"{counts[level]} {level}" for level in sorted(counts, key=lambda lv: RANK.get(lv, NOTE_RANK))
        )
        parts.append(f"{len(chosen)} {one if len(chosen) == 1 else many} checked: {tally}")
    if sport:
        parts.append("sport: " + ", ".join(f"{name} prohibited" for name in sport))
    return "; ".join(parts)
