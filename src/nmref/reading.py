"""What a reader sees first, and once: a monograph payload shaped for reading (plain data, no
drawing). The terminal views and the web pages draw the same shapes."""

from collections.abc import Callable
from typing import Any

from nmref.query.facts import statement_key

SERIOUS_INTERACTIONS = ("contraindicated", "avoid combining")


def summary(payload: dict[str, Any]) -> dict[str, Any]:
    """What a clinician reads first, from a monograph: identity, then the key safety facts, each
    a short list. The terminal and the web page draw the same summary."""
    by_evidence = grouped_by(payload["contraindications"], lambda fact: (fact["evidence"], fact["severity"]))
    safety = []
    for (evidence, severity), label in (
        (("official-label", "absolute"), "Contraindicated (labels)"),
        (("promotional-article", "absolute"), "Contraindicated (articles)"),
        (("official-label", "relative"), "Use with caution (labels)"),
        (("promotional-article", "relative"), "Use with caution (articles)"),
    ):
        facts = by_evidence.get((evidence, severity), [])
        if facts:
            safety.append({"label": label, "kind": severity, "items": [f["text"] for f in facts]})
    warnings = [f["text"] for f in payload["precautions"] if f["topic"] in ("boxed warning", "warning")]
    if warnings:
        safety.append({"label": "Warnings", "kind": "warning", "items": warnings})
    serious = [f for f in one_per_statement(payload["interactions"]) if f["category"] in SERIOUS_INTERACTIONS]
    if serious:
        items = [f"{f['other_name']} ({f['category']})" for f in serious]
        safety.append({"label": "Do not combine / avoid", "kind": "absolute", "items": items})
    dispensing = [f["text"] for f in payload["label"] if f["field"] == "dispensing"]
    dispensing += [f["text"] for f in payload["precautions"] if f["topic"] == "dispensing"]
    return {
        "ingredients": list(dict.fromkeys(fact["text"] for fact in payload["ingredients"])),
        "classes": [" > ".join(c["path"]) for c in payload["classes"]],
        "atc": list(dict.fromkeys(f["text"] for f in payload["atc"])),
        "dispensing": list(dict.fromkeys(dispensing)),
        "sport": payload["sport"][0] if payload["sport"] else None,
        "safety": safety,
        "no_contraindications": not payload["contraindications"],
        "contradictions": [c for c in payload["caveats"] if c["kind"] == "contradicts-label"],
    }


def one_per_statement(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each statement once (statement_key), drawn with the caveats of all its rows. (The JSON
    keeps every row: each has its own link.)"""
    kept: dict[tuple[Any, ...], dict[str, Any]] = {}
    for fact in facts:
        key = statement_key(fact)
        if key in kept:
            first = kept[key]
            first["caveat_ids"] = list(dict.fromkeys([*first.get("caveat_ids", []), *fact.get("caveat_ids", [])]))
        else:
            kept[key] = dict(fact)
    return list(kept.values())


def grouped_by(items: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> dict[str, list[dict[str, Any]]]:
    """Items in lists by key, keys in the order first met."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(key(item), []).append(item)
    return grouped
