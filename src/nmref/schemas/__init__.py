"""The JSON Schemas of nmref's output, shipped with the package (`nmref schema COMMAND`).

The files here are the contract: one schema per command, the shared definitions in
defs.schema.json, each with an absolute $id. `standalone` gives a command's schema with the
definitions it uses copied in, so a validator needs nothing else; `record` gives the schema of
one NDJSON line of a list command (a list item with its schema_version).
"""

import copy
import json
from functools import cache
from importlib.resources import files
from typing import Any

from nmref.render import NDJSON_RECORDS as RECORD_LISTS

DEFS = "defs.schema.json"


def names() -> list[str]:
    """The schemas there are, by name (`show`, `adverse-effects`, ..., `defs`)."""
    return sorted(
        entry.name.removesuffix(".schema.json")
        for entry in files(__package__).iterdir()
        if entry.name.endswith(".schema.json")
    )


@cache
def load(name: str) -> dict[str, Any]:
    return json.loads(files(__package__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8"))


def standalone(name: str) -> dict[str, Any]:
    """The schema with every definition it refers to in defs.schema.json copied under its own
    $defs, and its references made local: one document any validator can use alone."""
    schema = copy.deepcopy(load(name))
    if name == DEFS.removesuffix(".schema.json"):
        return schema
    shared = load(DEFS.removesuffix(".schema.json"))["$defs"]
    own = schema.setdefault("$defs", {})
    clash = set(own) & set(shared)
    if clash:
        raise ValueError(f"{name}: its own $defs and defs.schema.json share names: {sorted(clash)}")
    own.update(copy.deepcopy(shared))
    _localise(schema)
    return schema


def record(name: str) -> dict[str, Any]:
    """The schema of one NDJSON line of `name`'s list: an item of the list, with schema_version."""
    if name not in RECORD_LISTS:
        raise KeyError(name)
    schema = standalone(name)
    items = schema["properties"][RECORD_LISTS[name]]["items"]
    if "$ref" in items and items["$ref"].startswith("#/$defs/") and len(items) == 1:
        items = copy.deepcopy(schema["$defs"][items["$ref"].removeprefix("#/$defs/")])
    items.setdefault("properties", {})["schema_version"] = schema["properties"]["schema_version"]
    items["required"] = ["schema_version", *items.get("required", [])]
    return {
        "$schema": schema["$schema"],
        "$id": schema["$id"].replace(".schema.json", ".record.schema.json"),
        "title": f"one line of nmref {name} --format ndjson",
        **items,
        "$defs": {**schema["$defs"], **items.get("$defs", {})},
    }


def _localise(node: Any) -> None:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith(DEFS + "#"):
            node["$ref"] = reference.removeprefix(DEFS)
        for value in node.values():
            _localise(value)
    elif isinstance(node, list):
        for value in node:
            _localise(value)
