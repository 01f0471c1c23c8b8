"""The query layer: opens the database read-only and returns plain dicts, ready for JSON.

Nothing here prints, and nothing here imports typer or rich. Every fact comes back with its
verbatim quote and its source (document, title and line), so any view can cite it. One module
per concern: opening the database, names, fact records, monographs, classes, full-text search
(fulltext), drugs taken together (combining).
"""

import importlib
from typing import Any

from nmref.query.db import BUNDLED_DATABASE, SCHEMA_VERSION, connect, data_fingerprint, database_path
from nmref.query.facts import NOTICE, SEARCHED_SECTIONS, list_sources
from nmref.query.monograph import SECTION_COMMANDS, Monograph, compare, monograph, section
from nmref.query.names import SUGGESTIONS, complete_class_names, complete_drug_names, resolve_drug, suggest_drugs

# Loaded on first use: a lookup by name (the common case, and a batch) does not pay for them.
LAZY = {
    "class_members": "classes",
    "class_tree": "classes",
    "compile_monograph": "compile",
    "list_drugs": "classes",
    "analogues": "combining",
    "check": "combining",
    "for_condition": "fulltext",
    "search": "fulltext",
}


def __getattr__(name: str) -> Any:
    if name in LAZY:
        value = getattr(importlib.import_module(f"nmref.query.{LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BUNDLED_DATABASE",
    "NOTICE",
    "SCHEMA_VERSION",
    "SEARCHED_SECTIONS",
    "SECTION_COMMANDS",
    "SUGGESTIONS",
    "Monograph",
    "analogues",
    "check",
    "class_members",
    "class_tree",
    "compare",
    "compile_monograph",
    "complete_class_names",
    "complete_drug_names",
    "connect",
    "data_fingerprint",
    "database_path",
    "for_condition",
    "list_drugs",
    "list_sources",
    "monograph",
    "resolve_drug",
    "search",
    "section",
    "suggest_drugs",
]
