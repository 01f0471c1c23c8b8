"""Benchmark nmref against its speed and memory goals (issues 5, 11 and 12), and print one table.

    pip install -e '.[bench]'          # once: adds the dictionary of ~107,000 names used for scale
    python scripts/bench.py            # 30 timed runs of each measurement, after 3 warm-ups
    python scripts/bench.py --quick    # a fast smoke run (5 runs, 1 warm-up)

Start-up is timed as users meet it: the installed `nmref` console script (`python -m nmref` when
there is none) in a fresh process, wall clock around subprocess.run, the commands taking turns
round by round so that drift on the machine touches them all alike. Goals are ratios to a bare
`python -c pass` and to `python -c "import typer"` from the same run, so they carry across
machines. Children start as an installed nmref would: bytecode cached (in a private folder) and
this shell's PYTHON* settings left out (`--inherit-env` keeps them).

Scale is measured on a benchmark-only database, never shipped: the bundled one plus every drug and
name of the drug-named-entity-recognition dictionary (MIT), written to a temporary folder.
rapidfuzz, if installed, is compared with nmref's own "did you mean". Exits 0 when every goal is
met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import bz2
import fcntl
import importlib.metadata
import importlib.util
import json
import os
import pickle
import platform
import pty
import random
import re
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from build_db import derive  # this folder's build script: the derived tables, monographs included
from nmref import query
from nmref.names import normalize

DICTIONARY_PACKAGE = "drug_named_entity_recognition"
DICTIONARY_FILE = "drug_ner_dictionary.pkl.bz2"
BATCH_SIZE = 1_000
MISSPELLINGS = 200
SEED = 5
IN_PROCESS_FACTOR = 5  # in-process calls are cheap: this many samples per run
LARGE_ID_PREFIX = "dner-"
# Issue 11: a check of ten drugs that reaches every kind of finding (direct, through an ingredient,
# through a class, a substance, a caveat on a pair, sport status).
CHECK_NAMES = [
    "ceraxon",
    "acefen",
    "levodopa",
    "nootropil",
    "lucetam",
    "warfarin",
    "aspirin",
    "plavix",
    "omeprazole",
    "mildronate",
]
# In the large database, one dictionary drug in CLASS_RULE_EVERY states a label rule for a class,
# and every dictionary drug is a member of one class: a class-rule table at 20,000-drug scale.
CLASS_RULE_EVERY = 100
# Issue 17: a generated condition index at scale beside the shipped one (benchmark only).
LARGE_CONCEPTS = 15_000
LARGE_CONDITION_NAMES = 100_000
# The same question asked in English, in Russian and by code (rows 11a, 11b).
CONDITION_FORMS = (("for", "stroke"), ("for", "инсульт"))
CHECK_CONDITION = ("check", "cerebrolysin", "--condition")
PLACEHOLDER = "Benchmark-only entry from the drug-named-entity-recognition dictionary; never shipped."
# A fresh interpreter runs one command and reports the largest resident set among its children.
PEAK_RSS_PROBE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)
MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux


# --- what is measured and how it is judged ----------------------------------------------------


@dataclass
class Measurement:
    label: str
    values: list[float]
    unit: str = "s"  # "s" or "MiB"
    short: str = ""  # how a ratio to this measurement names it, e.g. "baseline"

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def show(self, value: float) -> str:
        if self.unit != "s":
            return f"{value:.1f} {self.unit}"
        return f"{value * 1e6:.1f} µs" if self.median < 1e-3 else f"{value * 1e3:.1f} ms"


@dataclass(frozen=True)
class Goal:
    """A limit on a median: a ratio to another measurement's median, or a value in its own unit."""

    limit: float
    against: Measurement | None = None
    strict: bool = False

    def value(self, measured: Measurement) -> float:
        return measured.median / self.against.median if self.against else measured.median

    def met(self, measured: Measurement) -> bool:
        value = self.value(measured)
        return value < self.limit if self.strict else value <= self.limit

    def describe(self, unit: str) -> str:
        sign = "<" if self.strict else "≤"
        if self.against:
            return f"{sign} {self.limit:g}× {self.against.short}"
        return f"{sign} {self.limit * 1e3:g} ms" if unit == "s" else f"{sign} {self.limit:g} {unit}"


@dataclass
class Row:
    key: str
    measured: Measurement | None  # None: not measured, `skipped` says why
    goals: list[Goal] = field(default_factory=list)
    compare: list[Measurement] = field(default_factory=list)  # ratios shown without a goal
    skipped: str = ""
    required: bool = False  # a skipped row standing for goals counts as a goal missed

    @property
    def met(self) -> bool | None:
        if self.measured is None:
            return False if self.required else None
        return all(goal.met(self.measured) for goal in self.goals) if self.goals else None

    def cells(self) -> list[str]:
        if self.measured is None:
            return [self.key, f"skipped: {self.skipped}", "", "", "", "", "", "NO" if self.required else ""]
        m = self.measured
        ratios = [f"{m.median / other.median:.2f}× {other.short}" for other in self.compare]
        ratios += [f"{goal.value(m):.2f}× {goal.against.short}" for goal in self.goals if goal.against]
        return [
            self.key,
            m.label,
            m.show(m.median),
            m.show(min(m.values)),
            m.show(max(m.values)),
            ", ".join(ratios),
            ", ".join(goal.describe(m.unit) for goal in self.goals),
            {True: "yes", False: "NO", None: ""}[self.met],
        ]


def print_table(rows: list[Row]) -> None:
    lines = [["#", "measurement", "median", "min", "max", "ratio", "goal", "met"]] + [row.cells() for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for number, line in enumerate(lines):
        cells = [
            cell.rjust(w) if i in (2, 3, 4) else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
        if number == 0:
            print("  ".join("-" * w for w in widths))


@dataclass(frozen=True)
class Miss:
    typed: str  # a real name with one letter dropped or two swapped
    drug: str  # the drug whose name it was


Suggester = Callable[[Miss], list[str]]


# --- running things ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    label: str
    argv: list[str]
    stdin: bytes | None = None
    env: dict[str, str] = field(default_factory=dict)
    short: str = ""
    terminal: bool = False  # run on a pseudo-terminal of 80x24 instead of pipes


def run_in_terminal(command: Command, env: dict[str, str]) -> float:
    """Wall-clock time of `command` with its output on an 80x24 pseudo-terminal, read to the end."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen(
        command.argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env={**env, **command.env}
    )
    os.close(slave)
    while True:
        try:
            if not os.read(master, 65536):
                break
        except OSError:  # the terminal closed with the process
            break
    code = process.wait()
    elapsed = time.perf_counter() - start
    os.close(master)
    if code != 0:
        raise SystemExit(f"bench: `{command.label}` exited {code}")
    return elapsed


def run_once(command: Command, env: dict[str, str]) -> float:
    if command.terminal:
        return run_in_terminal(command, env)
    start = time.perf_counter()
    done = subprocess.run(command.argv, input=command.stdin, capture_output=True, env={**env, **command.env})
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench: `{command.label}` exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    return elapsed


def time_commands(commands: dict[str, Command], runs: int, warmups: int, env: dict[str, str]) -> dict[str, Measurement]:
    """Wall-clock times of each command, the commands taking turns in every round.

    The warm-ups also fill the bytecode cache.
    """
    for _ in range(warmups):
        for command in commands.values():
            run_once(command, env)
    times: dict[str, list[float]] = {key: [] for key in commands}
    for _ in range(runs):
        for key, command in commands.items():
            times[key].append(run_once(command, env))
    return {key: Measurement(commands[key].label, found, short=commands[key].short) for key, found in times.items()}


def time_calls(
    label: str, call: Callable[[Any], object], inputs: Sequence[Any], samples: int, warmups: int, short: str = ""
) -> Measurement:
    """In-process times of `call`, one call per sample, on each input in turn."""
    for item in inputs[:warmups]:
        call(item)
    values = []
    for i in range(samples):
        item = inputs[i % len(inputs)]
        start = time.perf_counter()
        call(item)
        values.append(time.perf_counter() - start)
    return Measurement(label, values, short=short)


def peak_rss(command: Command, runs: int, env: dict[str, str]) -> Measurement:
    """Peak resident set of `command`, each run under a fresh interpreter that runs nothing else."""
    values = []
    for _ in range(runs):
        probe = [sys.executable, "-c", PEAK_RSS_PROBE, *command.argv]
        done = subprocess.run(probe, capture_output=True, text=True, env={**env, **command.env}, check=True)
        values.append(int(done.stdout) * MAXRSS_UNIT / 2**20)
    return Measurement(f"peak RSS of {command.label}", values, unit="MiB")


def nmref_argv() -> list[str]:
    """The console script users run, beside this interpreter; `python -m nmref` when absent."""
    script = Path(sys.executable).parent / "nmref"
    return [str(script)] if script.exists() else [sys.executable, "-m", "nmref"]


def child_environment(bytecode_cache: Path | None) -> tuple[dict[str, str], list[str]]:
    """The environment of every timed process, and the variables left out of it.

    With a cache folder, children start as an installed nmref would: this shell's PYTHON* settings
    are left out (PYTHONDONTWRITEBYTECODE recompiles nmref's modules on every run; PYTHONUNBUFFERED
    makes each small write a system call) and bytecode is cached in that folder. Without one, the
    environment is kept as it is.
    """
    env = dict(os.environ)
    env.pop("NMREF_DB", None)
    if bytecode_cache is None:
        return env, []
    dropped = sorted(name for name in env if name.startswith("PYTHON") and name != "PYTHONPATH")
    for name in dropped:
        del env[name]
    env["PYTHONPYCACHEPREFIX"] = str(bytecode_cache)
    return env, dropped


# --- the measurements -------------------------------------------------------------------------


def baseline() -> Command:
    return Command("python -c pass (baseline)", [sys.executable, "-c", "pass"], short="baseline")


def import_typer() -> Command:
    return Command('python -c "import typer" (typer)', [sys.executable, "-c", "import typer"], short="typer")


def show_json(db: Path | None = None, short: str = "") -> Command:
    env, where = ({"NMREF_DB": str(db)}, f" [NMREF_DB={db.name}]") if db else ({}, "")
    return Command(
        f"nmref show ceraxon --json{where}", [*nmref_argv(), "show", "ceraxon", "--json"], env=env, short=short
    )


def check_json(db: Path | None = None) -> Command:
    env, where = ({"NMREF_DB": str(db)}, f" [NMREF_DB={db.name}]") if db else ({}, "")
    return Command(f"nmref check (10 drugs) --json{where}", [*nmref_argv(), "check", *CHECK_NAMES, "--json"], env=env)


def show_in_terminal() -> Command:
    """Issue 12: the whole Mildronate monograph drawn for a terminal, the pager set to cat."""
    return Command(
        "nmref show mildronate (80x24 terminal, NMREF_PAGER=cat)",
        [*nmref_argv(), "show", "mildronate"],
        env={"NMREF_PAGER": "cat", "TERM": "xterm-256color"},
        terminal=True,
    )


def show_rich() -> Command:
    return Command("nmref show ceraxon (text view, piped)", [*nmref_argv(), "show", "ceraxon"])


def batch(names: Sequence[str], db: Path | None = None) -> Command:
    """A batch of BATCH_SIZE names, taking `names` in turn."""
    lines = "".join(f"{names[i % len(names)]}\n" for i in range(BATCH_SIZE))
    env, where = ({"NMREF_DB": str(db)}, f", all different [NMREF_DB={db.name}]") if db else ({}, "")
    label = f"nmref show --json - ({BATCH_SIZE:,} names on stdin{where})"
    return Command(label, [*nmref_argv(), "show", "--json", "-"], stdin=lines.encode(), env=env)


def import_rapidfuzz() -> Command:
    return Command('python -c "import rapidfuzz.process"', [sys.executable, "-c", "import rapidfuzz.process"])


def exact_lookups(
    conn: sqlite3.Connection, label: str, names: Sequence[str], samples: int, warmups: int, short: str = ""
) -> Measurement:
    return time_calls(label, lambda name: query.resolve_drug(conn, name), names, samples, warmups, short)


def trigram_suggester(conn: sqlite3.Connection) -> Suggester:
    """nmref's own "did you mean": candidates from the rarest trigrams of the FTS5 index, ranked with difflib."""
    return lambda miss: query.suggest_drugs(conn, miss.typed)


def rapidfuzz_suggester(conn: sqlite3.Connection, preloaded: bool) -> Suggester:
    """rapidfuzz over every name key, loading the keys on each call (as each process must) or once."""
    from rapidfuzz import fuzz, process

    def load() -> tuple[list[str], list[str]]:
        rows = conn.execute("SELECT n.key, d.name FROM drug_names n JOIN drugs d ON d.id = n.drug_id").fetchall()
        return [row[0] for row in rows], [row[1] for row in rows]

    loaded = load() if preloaded else None

    def suggest(miss: Miss) -> list[str]:
        keys, drugs = loaded or load()
        cutoff = query.SUGGESTION_CUTOFF * 100
        found = process.extract(
            normalize(miss.typed), keys, scorer=fuzz.ratio, limit=query.SUGGESTIONS, score_cutoff=cutoff
        )
        return [drugs[index] for _, _, index in found]

    return suggest


def recall(suggest: Suggester, misses: Sequence[Miss]) -> float:
    """The share of misses whose own drug is among the suggestions."""
    return sum(miss.drug in {s.split(" (")[0] for s in suggest(miss)} for miss in misses) / len(misses)


# --- the large database -----------------------------------------------------------------------


@dataclass(frozen=True)
class LargeDatabase:
    path: Path
    drugs: int
    names: int
    class_rules: int
    concepts: int
    condition_names: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"large db (benchmark-only): {self.drugs:,} drugs, {self.names:,} names, "
            f"{self.class_rules:,} class rules, {self.concepts:,} condition concepts with "
            f"{self.condition_names:,} names, built in {self.seconds:.1f} s"
        )


def dictionary_path() -> Path | None:
    """The dictionary file inside the installed package, found without importing the package."""
    spec = importlib.util.find_spec(DICTIONARY_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / DICTIONARY_FILE
    return path if path.is_file() else None


def build_large_database(dictionary: Path, folder: Path) -> LargeDatabase:
    """The shipped database plus every drug and name of the dictionary, for the benchmark only.

    Names whose key is empty or already taken are skipped, as the build would refuse them.
    """
    start = time.perf_counter()
    with bz2.open(dictionary, "rb") as handle:
        data = pickle.load(handle)  # the installed package's own file: plain dicts and lists
    variants: dict[str, list[str]] = data["drug_variant_to_canonical"]
    details: dict[str, dict[str, Any]] = data["drug_canonical_to_data"]
    brands = {variant for variant, info in data["drug_variant_to_variant_data"].items() if info.get("is_brand")}

    path = folder / "nmref-large.db"
    shutil.copyfile(query.BUNDLED_DATABASE, path)
    conn = sqlite3.connect(path)
    ids = {row[0] for row in conn.execute("SELECT id FROM drugs")}
    keys = {row[0] for row in conn.execute("SELECT key FROM drug_names")}
    drug_rows, name_rows, drug_of = [], [], {}

    def add_name(name: str, drug_id: str, kind: str) -> None:
        key = normalize(name)
        if key and key not in keys:
            keys.add(key)
            name_rows.append((key, name, drug_id, kind, "reference-notes", 1, PLACEHOLDER))

    for canonical in sorted(set(details).union(*variants.values())):
        drug_id = base = LARGE_ID_PREFIX + (re.sub(r"[^a-z0-9]+", "-", canonical.casefold()).strip("-") or "drug")
        suffix = 1
        while drug_id in ids:
            suffix += 1
            drug_id = f"{base}-{suffix}"
        ids.add(drug_id)
        drug_of[canonical] = drug_id
        name = details.get(canonical, {}).get("name") or canonical
        drug_rows.append((drug_id, name, "monograph", PLACEHOLDER, "reference-notes", 1, PLACEHOLDER))
        add_name(name, drug_id, "canonical")
    for variant, canonicals in variants.items():
        add_name(variant, drug_of[canonicals[0]], "brand" if variant in brands else "spelling")

    classes = [row[0] for row in conn.execute("SELECT id FROM classes WHERE source_id = 'label-notes' ORDER BY id")]
    members = [
        (row[0], classes[i % len(classes)], "reference-notes", 1, PLACEHOLDER) for i, row in enumerate(drug_rows)
    ]
    rules = [
        (
            f"{row[0]}-rule",
            row[0],
            "Benchmark-only class rule",
            "a class",
            classes[(i + 1) % len(classes)],
            "caution",
            "reference-notes",
            1,
            PLACEHOLDER,
        )
        for i, row in enumerate(drug_rows)
        if i % CLASS_RULE_EVERY == 0
    ]
    with conn:
        conn.executemany(
            "INSERT INTO drugs (id, name, kind, description, source_id, line, quote) VALUES (?,?,?,?,?,?,?)",
            drug_rows,
        )
        conn.executemany(
            "INSERT INTO drug_classes (drug_id, class_id, source_id, line, quote) VALUES (?,?,?,?,?)", members
        )
        conn.executemany(
            "INSERT INTO interactions (id, drug_id, text, other_name, other_class_id, category, source_id, line, quote)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            rules,
        )
        conn.executemany(
            "INSERT INTO drug_names (key, name, drug_id, kind, source_id, line, quote) VALUES (?,?,?,?,?,?,?)",
            name_rows,
        )
        add_condition_index(conn)
        derive(conn)
    conn.execute("VACUUM")
    drugs, names, concepts, condition_names = (
        conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("drugs", "drug_names", "conditions", "condition_names")
    )
    conn.close()
    return LargeDatabase(path, drugs, names, len(rules), concepts, condition_names, time.perf_counter() - start)


def add_condition_index(conn: sqlite3.Connection) -> None:
    """LARGE_CONCEPTS generated concepts (a tree, each with a code of its own) and
    LARGE_CONDITION_NAMES names beside the shipped condition index, each concept linked to a
    shipped contraindication, so that a condition lookup and its facts are read at that scale."""
    facts = [row[0] for row in conn.execute("SELECT id FROM contraindications ORDER BY rowid")]
    concepts, codes, names, links = [], [], [], []
    for i in range(LARGE_CONCEPTS):
        concept_id = f"bench-condition-{i}"
        parent = f"bench-condition-{(i - 1) // 4}" if i else None
        # Codes from U00.00 up: chapter U is reserved in ICD-10, so none clashes with a real one.
        code = f"U{i // 100:02d}.{i % 100:02d}" if i < 10_000 else f"V{(i - 10_000) // 100:02d}.{i % 100:02d}"
        concepts.append(
            (concept_id, f"Benchmark condition {i}", code, None, parent, "reference-notes", 1, PLACEHOLDER, "S1")
        )
        codes.append((code, code, code, concept_id))
        links.append((concept_id, "contraindications", facts[i % len(facts)]))
    for j in range(LARGE_CONDITION_NAMES - LARGE_CONCEPTS):
        name = f"benchmark synonym {j}"
        names.append(
            (
                normalize(name),
                name,
                f"bench-condition-{j % LARGE_CONCEPTS}",
                "en",
                "synonym",
                "reference-notes",
                1,
                PLACEHOLDER,
                None,
            )
        )
    for concept in concepts:
        names.append(
            (normalize(concept[1]), concept[1], concept[0], "en", "name", "reference-notes", 1, PLACEHOLDER, None)
        )
    conn.executemany("INSERT INTO conditions VALUES (?,?,?,?,?,?,?,?,?)", concepts)
    conn.executemany("INSERT INTO condition_codes VALUES (?,?,?,?)", codes)
    conn.executemany("INSERT INTO condition_names VALUES (?,?,?,?,?,?,?,?,?)", names)
    conn.executemany("INSERT INTO condition_links VALUES (?,?,?)", links)


def cli_in_process(arguments: list[str]) -> Callable[[Any], object]:
    """The CLI answering `arguments` in this process as `nmref` does (only the invoked command
    registered, the arguments parsed, a connection opened, the answer written to a file with
    os.write), without a new process's start-up."""
    from nmref.cli import app
    from nmref.launcher import only_the_invoked_command

    every_command = list(app.registered_commands)
    sink = open(os.devnull, "w")  # noqa: SIM115 (open for the whole run: the CLI's stdout)

    def ask(_: Any) -> None:
        only_the_invoked_command(app, arguments)
        saved, sys.stdout = sys.stdout, sink
        try:
            code = app(arguments, prog_name="nmref", standalone_mode=False)
        finally:
            sys.stdout, app.registered_commands = saved, every_command
        assert code == 0, f"nmref {' '.join(arguments)} exited {code}"

    return ask


def mcp_rows(shipped: sqlite3.Connection, samples: int, warmups: int) -> list[Row]:
    """Issue 22: a tool call of `nmref mcp` against the same CLI question run in-process (the
    goal), and against the query layer and the CLI's JSON alone (for the record): the main job
    (`show ceraxon`) and a small check.

    The client is the protocol itself, a JSON-RPC line written to the server's stdin and its
    answer's line read back, so that the time is the server's (what any assistant's host waits
    for), not a client library's parsing and validation of the answer."""
    if not importlib.util.find_spec("mcp"):
        return [Row("12", None, skipped="the mcp extra is not installed (pip install -e '.[mcp]')")]
    from nmref.render import json_line

    questions = [
        ("a", ["show", "ceraxon"], query.monograph, "ceraxon", ("show", {"name": "ceraxon"})),
        (
            "b",
            ["check", "warfarin", "aspirin"],
            query.check,
            ["warfarin", "aspirin"],
            ("check", {"drugs": ["warfarin", "aspirin"]}),
        ),
    ]
    server = subprocess.Popen(
        [*nmref_argv(), "mcp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=dict(os.environ, NMREF_DB=str(query.BUNDLED_DATABASE)),
    )

    def send(message: dict[str, Any]) -> bytes | None:
        server.stdin.write(json.dumps(message).encode() + b"\n")
        server.stdin.flush()
        return server.stdout.readline() if "id" in message else None

    hello = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}
    send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": hello})
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    rows = []
    try:
        for letter, question, function, argument, (tool, arguments) in questions:
            label = " ".join(question)
            asked = ["--db", str(query.BUNDLED_DATABASE), *question, "--json"]
            through_cli = time_calls(
                f"nmref {label} --json, the CLI run in-process", cli_in_process(asked), [None], samples, warmups, "CLI"
            )
            query_layer = time_calls(
                "the same, query layer and the CLI's JSON alone",
                lambda pair: json_line(pair[0](shipped, pair[1])),
                [(function, argument)],
                samples,
                warmups,
                "query layer",
            )
            call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
            answered = time_calls("the same as an MCP tool call (nmref mcp over stdio)", send, [call], samples, warmups)
            assert b'"isError":false' in send(call), f"the {tool} tool failed"
            rows += [
                Row(f"12{letter}", through_cli),
                Row(f"12{letter}", query_layer),
                Row(f"12{letter}", answered, goals=[Goal(1.5, through_cli)], compare=[query_layer]),
            ]
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    return rows


def condition_command(args: Sequence[str], db: Path | None = None) -> Command:
    env, where = ({"NMREF_DB": str(db)}, f" [NMREF_DB={db.name}]") if db else ({}, "")
    return Command(f"nmref {' '.join(args)} --json{where}", [*nmref_argv(), *args, "--json"], env=env)


def different_names(path: Path, count: int) -> list[str]:
    """`count` names of as many different dictionary drugs, in random order."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT min(name) FROM drug_names WHERE drug_id LIKE ? GROUP BY drug_id", [LARGE_ID_PREFIX + "%"]
        ).fetchall()
    return random.Random(SEED).sample([row[0] for row in rows], count)


def misspellings(conn: sqlite3.Connection, count: int) -> list[Miss]:
    """Dictionary names with one inner letter dropped or two swapped, none of them a real name."""
    rows = conn.execute(
        "SELECT n.name, d.name FROM drug_names n JOIN drugs d ON d.id = n.drug_id WHERE n.drug_id LIKE ? "
        "AND length(n.key) >= 6 AND n.name NOT GLOB '*[^A-Za-z]*' ORDER BY n.key",
        [LARGE_ID_PREFIX + "%"],
    ).fetchall()
    rng = random.Random(SEED)
    misses: list[Miss] = []
    while len(misses) < count:
        name, drug = rng.choice(rows)
        i = rng.randrange(1, len(name) - 1)
        dropped, swapped = name[:i] + name[i + 1 :], name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]
        typed = dropped if rng.random() < 0.5 else swapped
        if conn.execute("SELECT 1 FROM drug_names WHERE key = ?", [normalize(typed)]).fetchone() is None:
            misses.append(Miss(typed, drug))
    return misses


# --- the machine ------------------------------------------------------------------------------


def version_of(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        models = [line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")]
        cpu = models[0].split(":", 1)[1].strip() if models else cpu
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    packages = ("typer", "rich", "nmref", "drug-named-entity-recognition", "rapidfuzz")
    return [
        f"CPU: {cpu}; {os.cpu_count()} cores ({usable} usable); {platform.system()} {platform.release()}",
        f"Python {platform.python_version()} ({sys.executable}); SQLite {sqlite3.sqlite_version}",
        ", ".join(f"{name} {version_of(name)}" for name in packages),
    ]


# --- putting it together ----------------------------------------------------------------------


def startup_rows(timed: dict[str, Measurement]) -> list[Row]:
    """Measurements 1 to 5: start-up, the terminal view and a batch, against bare Python and typer."""
    base, typer, one = timed["baseline"], timed["typer"], timed["json"]
    return [
        Row("1", base),
        Row("2", typer, compare=[base]),
        Row("3", one, goals=[Goal(6.5, base), Goal(1.25, typer)]),
        Row("4", timed["rich"], goals=[Goal(10, base)]),
        Row("5", timed["batch"], goals=[Goal(2, one)]),
        Row("9a", timed["check"], goals=[Goal(1.25, one)]),
        Row("10", timed["terminal"], goals=[Goal(10, base)]),
        Row("11a", timed["for-en"], compare=[one]),
        Row("11a", timed["for-ru"], goals=[Goal(1.1, timed["for-en"])]),
        Row("11b", timed["condition-en"], compare=[one]),
        Row("11b", timed["condition-code"], goals=[Goal(1.1, timed["condition-en"])]),
    ]


def scale_rows(
    big: sqlite3.Connection,
    shipped: sqlite3.Connection,
    names: list[str],
    trigram: Measurement,
    timed: dict[str, Measurement],
    samples: int,
    warmups: int,
) -> list[Row]:
    """Measurement 6: exact lookups, misses and start-up on the large database against the shipped one."""
    on_shipped = exact_lookups(shipped, "resolve_drug, shipped db (in-process)", names, samples, warmups, "shipped")
    on_large = exact_lookups(big, "resolve_drug, large db (in-process)", names, samples, warmups)
    checks = [CHECK_NAMES] * 2
    check_shipped = time_calls(
        "check of 10 drugs, shipped db (in-process)",
        lambda n: query.check(shipped, n),
        checks,
        samples,
        warmups,
        "shipped",
    )
    check_large = time_calls(
        "check of 10 drugs, large db with class rules (in-process)",
        lambda n: query.check(big, n),
        checks,
        samples,
        warmups,
    )
    conditions = [["epilepsy"], ["G40"], ["kidney failure"], ["эпилепсия"]]
    condition_shipped = time_calls(
        "check cerebrolysin with a condition, shipped db (in-process)",
        lambda c: query.check(shipped, ["cerebrolysin"], c),
        conditions,
        samples,
        warmups,
        "shipped",
    )
    condition_large = time_calls(
        f"the same, large db with {LARGE_CONCEPTS:,} concepts (in-process)",
        lambda c: query.check(big, ["cerebrolysin"], c),
        conditions,
        samples,
        warmups,
    )
    return [
        Row("6a", on_shipped),
        Row("6a", on_large, goals=[Goal(1.5, on_shipped)]),
        Row("6b", trigram, goals=[Goal(0.015)]),
        Row("6c", timed["json-shipped"], compare=[timed["baseline"]]),
        Row("6c", timed["json-large"], goals=[Goal(1.2, timed["json-shipped"])]),
        Row("6d", timed["batch-large"], compare=[timed["json-large"]]),
        Row("9b", check_shipped),
        Row("9b", check_large, goals=[Goal(1.5, check_shipped)]),
        Row("9c", timed["check-large"], compare=[timed["check"]]),
        Row("11c", condition_shipped),
        Row("11c", condition_large, goals=[Goal(1.5, condition_shipped)]),
    ]


def suggestion_rows(
    big: sqlite3.Connection,
    misses: list[Miss],
    trigram: Measurement,
    timed: dict[str, Measurement],
    samples: int,
    warmups: int,
) -> tuple[list[Row], list[str]]:
    """Measurement 7: rapidfuzz over every key against nmref's trigram candidates (6b); with notes."""
    own = recall(trigram_suggester(big), misses)
    trigram_recall = f"top-{query.SUGGESTIONS} recall of the intended drug: trigram + difflib {own:.0%}"
    if "import-rapidfuzz" not in timed:
        return [Row("7", None, skipped="rapidfuzz is not installed (pip install rapidfuzz)")], [f"7: {trigram_recall}"]
    per_call = rapidfuzz_suggester(big, preloaded=False)
    once = rapidfuzz_suggester(big, preloaded=True)
    loading = time_calls("rapidfuzz extract, keys loaded per call", per_call, misses, samples, warmups)
    loaded = time_calls("rapidfuzz extract, keys loaded once", once, misses, samples, warmups)
    imported, base = timed["import-rapidfuzz"], timed["baseline"]
    # What one `nmref show MISSPELLING` would pay with rapidfuzz: loading the keys, and the import.
    per_process = loading.median + imported.median - base.median
    faster = "trigram + difflib" if trigram.median <= per_process else "rapidfuzz"
    notes = [
        f"7: per process, trigram + difflib {trigram.show(trigram.median)} against rapidfuzz "
        f"{loading.show(per_process)} (keys loaded + import); faster: {faster}",
        f"   {trigram_recall}, rapidfuzz fuzz.ratio {recall(once, misses):.0%}",
    ]
    rows = [
        Row("7", loading, compare=[trigram]),
        Row("7", loaded, compare=[trigram]),
        Row("7", imported, compare=[base]),
    ]
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, help="timed runs of each measurement (default 30; 5 with --quick)")
    parser.add_argument("--warmups", type=int, help="untimed runs first, at least 1 (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument(
        "--inherit-env",
        action="store_true",
        help="run children in this shell's environment, PYTHON* variables included",
    )
    args = parser.parse_args(argv)
    runs = args.runs or (5 if args.quick else 30)
    warmups = max(1, args.warmups if args.warmups is not None else (1 if args.quick else 3))
    samples = runs * IN_PROCESS_FACTOR
    dictionary = dictionary_path()

    with tempfile.TemporaryDirectory(prefix="nmref-bench-") as scratch:
        folder = Path(scratch)
        env, dropped = child_environment(None if args.inherit_env else folder / "pycache")
        print("nmref benchmark (issues 5, 11 and 12)")
        for line in machine():
            print(f"  {line}")
        print(f"  {runs} timed runs after {warmups} warm-up runs; {samples} calls in-process")
        if args.inherit_env:
            print("  children run in this shell's environment as it is")
        else:
            print(
                f"  children cache bytecode privately; left out of their environment: {', '.join(dropped) or 'nothing'}"
            )

        shipped = query.connect(query.BUNDLED_DATABASE)
        names = [row["name"] for row in shipped.execute("SELECT name FROM drug_names ORDER BY rowid")]
        large = build_large_database(dictionary, folder) if dictionary else None
        if large:
            print(f"  {large}")
        print()

        commands = {
            "baseline": baseline(),
            "typer": import_typer(),
            "json": show_json(short="one lookup"),
            "rich": show_rich(),
            "batch": batch(names),
            "check": check_json(),
            "terminal": show_in_terminal(),
            "for-en": condition_command(CONDITION_FORMS[0]),
            "for-ru": condition_command(CONDITION_FORMS[1]),
            "condition-en": condition_command((*CHECK_CONDITION, "epilepsy")),
            "condition-code": condition_command((*CHECK_CONDITION, "G40")),
        }
        if large:
            commands["json-shipped"] = show_json(query.BUNDLED_DATABASE, short="shipped")
            commands["json-large"] = show_json(large.path)
            commands["batch-large"] = batch(different_names(large.path, BATCH_SIZE), large.path)
            commands["check-large"] = check_json(large.path)
        if importlib.util.find_spec("rapidfuzz"):
            commands["import-rapidfuzz"] = import_rapidfuzz()
        timed = time_commands(commands, runs, warmups, env)
        rows = startup_rows(timed)
        notes = []
        if large:
            big = query.connect(large.path, immutable=True)  # opened as the bundled one is
            misses = misspellings(big, MISSPELLINGS)
            label = "suggest_drugs (rarest FTS5 trigrams + difflib), large db"
            trigram = time_calls(label, trigram_suggester(big), misses, samples, warmups, short="trigram")
            rows += scale_rows(big, shipped, names, trigram, timed, samples, warmups)
            found, notes = suggestion_rows(big, misses, trigram, timed, samples, warmups)
            rows += found
            big.close()
            notes[:0] = [
                f"6a: met when the large-db median is within 1.5× the shipped-db one, same {len(names)} names.",
                f"6b, 7: {MISSPELLINGS} misspelt dictionary names (letter dropped or swapped); 7's ratios are to 6b.",
                f"6d: goal 5's batch on the large db, {BATCH_SIZE:,} names of as many different drugs "
                "(5 cycles through the shipped db's names).",
                f"9: check of {', '.join(CHECK_NAMES)}; the large db adds every dictionary drug to a label class "
                f"and a class rule for one in {CLASS_RULE_EVERY} ({large.class_rules:,} rules).",
                "11: the same condition question in English, in Russian and by ICD-10 code; 11c asks epilepsy, G40, "
                f"kidney failure and эпилепсия beside {large.concepts:,} generated concepts and "
                f"{large.condition_names:,} condition names.",
            ]
        else:
            missing = "install the bench extra first: pip install -e '.[bench]'"
            rows += [Row("6", None, skipped=missing, required=True), Row("7", None, skipped=missing)]
        rows += mcp_rows(shipped, samples, warmups)
        rows.append(Row("8", peak_rss(commands["json"], runs, env), goals=[Goal(40, strict=True)]))
        shipped.close()

    print_table(rows)
    print()
    for note in notes:
        print(note)
    missed = [row.key for row in rows if row.met is False]
    print(f"goals missed: {', '.join(missed)}" if missed else "all goals met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
