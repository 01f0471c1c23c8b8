"""Benchmark nmref against the speed and memory goals of issue 5, and print one table.

    pip install -e '.[bench]'          # once: adds the 107,000-name dictionary used for scale
    python scripts/bench.py            # 30 timed runs of everything, after 3 warm-ups
    python scripts/bench.py --quick    # a fast smoke run (5 runs, 1 warm-up)

Start-up is timed as users see it: the installed `nmref` console script (or `python -m nmref`
when there is none) in a fresh process, wall clock around subprocess.run, the commands taking
turns round by round so that drift on the machine touches them all alike. Goals are ratios to a
bare `python -c pass` and to `python -c "import typer"` measured in the same run, so they hold
across machines. Scale is measured on a benchmark-only database: the shipped one plus every drug
and name of the drug-named-entity-recognition dictionary (MIT), written to a temporary folder
and never shipped. Exits 0 when every goal is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import bz2
import importlib.metadata
import importlib.util
import os
import pickle
import platform
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nmref import query
from nmref.names import normalize

DICTIONARY_PACKAGE = "drug_named_entity_recognition"
DICTIONARY_FILE = "drug_ner_dictionary.pkl.bz2"
BATCH_SIZE = 1_000
MISSPELLINGS = 200
SEED = 5
LARGE_ID_PREFIX = "dner-"
PLACEHOLDER = "Benchmark-only entry from the drug-named-entity-recognition dictionary; never shipped."
# A fresh interpreter runs one command and reports the largest resident set of its children.
PEAK_RSS_PROBE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)
MAXRSS_BYTES = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is in bytes on macOS, KiB on Linux


# --- what is measured and how it is judged ----------------------------------------------------


@dataclass
class Measurement:
    label: str
    values: list[float]
    unit: str = "s"  # "s" or "MiB"
    short: str = ""  # how a ratio names it, e.g. "baseline"

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def show(self, value: float) -> str:
        if self.unit == "MiB":
            return f"{value:.1f} MiB"
        return f"{value * 1e6:.1f} µs" if self.median < 1e-3 else f"{value * 1e3:.1f} ms"


@dataclass(frozen=True)
class Goal:
    """A limit on the median: a ratio to another measurement's median, or a value in its unit."""

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
    measured: Measurement | None  # None: could not be measured, see `skipped`
    goals: list[Goal] = field(default_factory=list)
    compare: list[Measurement] = field(default_factory=list)  # ratios shown without a goal
    skipped: str = ""
    required: bool = False  # a skipped row that stands for goals counts as missed

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
    header = ["#", "measurement", "median", "min", "max", "ratio", "goal", "met"]
    lines = [header] + [row.cells() for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    numeric = {2, 3, 4}
    for number, line in enumerate(lines):
        cells = [cell.rjust(w) if i in numeric else cell.ljust(w) for i, (cell, w) in enumerate(zip(line, widths))]
        print("  ".join(cells).rstrip())
        if number == 0:
            print("  ".join("-" * w for w in widths))


# --- running things ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    label: str
    argv: list[str]
    stdin: bytes | None = None
    env: dict[str, str] = field(default_factory=dict)
    short: str = ""


def run_once(command: Command, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command.argv, input=command.stdin, capture_output=True, env={**env, **command.env})
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench: `{command.label}` exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    return elapsed


def time_commands(commands: dict[str, Command], runs: int, warmups: int, env: dict[str, str]) -> dict[str, Measurement]:
    """Wall-clock times of each command, the commands taking turns in every round."""
    for _ in range(warmups):
        for command in commands.values():
            run_once(command, env)
    times: dict[str, list[float]] = {key: [] for key in commands}
    for _ in range(runs):
        for key, command in commands.items():
            times[key].append(run_once(command, env))
    return {key: Measurement(commands[key].label, found, short=commands[key].short) for key, found in times.items()}


def time_calls(label: str, call: Callable[[Any], object], inputs: Sequence[Any], samples: int, warmups: int, short: str = "") -> Measurement:
    """In-process times of `call` on each input in turn (cycling), one call per sample."""
    for item in inputs[: max(warmups, 1)]:
        call(item)
    values = []
    for i in range(samples):
        item = inputs[i % len(inputs)]
        start = time.perf_counter()
        call(item)
        values.append(time.perf_counter() - start)
    return Measurement(label, values, short=short)


def peak_rss(command: Command, runs: int, env: dict[str, str]) -> Measurement:
    """Peak resident set of `command`, each run in a fresh interpreter that has run nothing else."""
    values = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", PEAK_RSS_PROBE, *command.argv], capture_output=True, text=True, env=env, check=True
        )
        values.append(int(done.stdout) * MAXRSS_BYTES / 2**20)
    return Measurement(f"peak RSS of {command.label}", values, unit="MiB")


def nmref_argv() -> list[str]:
    """The console script users run, beside this interpreter; `python -m nmref` when absent."""
    script = Path(sys.executable).parent / "nmref"
    return [str(script)] if script.exists() else [sys.executable, "-m", "nmref"]


def child_environment(bytecode_cache: Path | None) -> dict[str, str]:
    """The environment of every timed process.

    With a cache folder, children read and write compiled bytecode there even when this shell
    sets PYTHONDONTWRITEBYTECODE, as an installed nmref (whose wheel install compiled it) would;
    otherwise nmref's own modules would be compiled from source on every run.
    """
    env = dict(os.environ)
    env.pop("NMREF_DB", None)
    if bytecode_cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode_cache)
    return env


# --- the measurements -------------------------------------------------------------------------


def baseline() -> Command:
    return Command("python -c pass", [sys.executable, "-c", "pass"], short="baseline")


def import_typer() -> Command:
    return Command('python -c "import typer"', [sys.executable, "-c", "import typer"], short="typer")


def show_json(name: str = "ceraxon", db: Path | None = None, short: str = "") -> Command:
    env = {"NMREF_DB": str(db)} if db else {}
    where = f" [NMREF_DB={db.name}]" if db else ""
    return Command(f"nmref show {name} --json{where}", [*nmref_argv(), "show", name, "--json"], env=env, short=short)


def show_rich() -> Command:
    return Command("nmref show ceraxon (rich view, piped)", [*nmref_argv(), "show", "ceraxon"])


def batch(names: Sequence[str]) -> Command:
    lines = "".join(f"{names[i % len(names)]}\n" for i in range(BATCH_SIZE))
    return Command(f"nmref show --json - ({BATCH_SIZE:,} names on stdin)", [*nmref_argv(), "show", "--json", "-"], lines.encode())


def import_rapidfuzz() -> Command:
    return Command('python -c "import rapidfuzz.process"', [sys.executable, "-c", "import rapidfuzz.process"])


def exact_lookup(conn: sqlite3.Connection, label: str, names: Sequence[str], samples: int, warmups: int, short: str = "") -> Measurement:
    """An exact name in-process: normalise it and find it by its key."""
    return time_calls(label, lambda name: query.resolve_drug(conn, name), names, samples, warmups, short)


Suggester = Callable[["Miss"], list[str]]


def trigram_suggester(conn: sqlite3.Connection) -> Suggester:
    """nmref's own: candidates from the FTS5 trigram index, re-ranked with difflib."""
    return lambda miss: query.suggest_drugs(conn, miss.typed)


def rapidfuzz_suggester(conn: sqlite3.Connection, preloaded: bool) -> Suggester:
    """rapidfuzz over every name key: loading the keys on each call (as a fresh process must), or once."""
    from rapidfuzz import fuzz, process

    def load() -> tuple[list[str], list[str]]:
        rows = conn.execute("SELECT n.key, d.name FROM drug_names n JOIN drugs d ON d.id = n.drug_id").fetchall()
        return [row[0] for row in rows], [row[1] for row in rows]

    loaded = load() if preloaded else None

    def suggest(miss: Miss) -> list[str]:
        keys, drugs = loaded or load()
        found = process.extract(
            normalize(miss.typed), keys, scorer=fuzz.ratio, limit=query.SUGGESTIONS, score_cutoff=query.SUGGESTION_CUTOFF * 100
        )
        return [drugs[index] for _, _, index in found]

    return suggest


# --- the large database -----------------------------------------------------------------------


@dataclass(frozen=True)
class Miss:
    typed: str  # a real name with one letter dropped or two swapped
    drug: str  # the drug that name belongs to


@dataclass(frozen=True)
class LargeDatabase:
    path: Path
    drugs: int
    names: int
    seconds: float


def dictionary_path() -> Path | None:
    spec = importlib.util.find_spec(DICTIONARY_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / DICTIONARY_FILE
    return path if path.is_file() else None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def build_large_database(dictionary: Path, folder: Path) -> LargeDatabase:
    """The shipped database plus every drug and name of the dictionary (benchmark-only)."""
    start = time.perf_counter()
    with bz2.open(dictionary, "rb") as handle:
        data = pickle.load(handle)  # the package's own bundled file: plain dicts and lists
    variants: dict[str, list[str]] = data["drug_variant_to_canonical"]
    details: dict[str, dict[str, Any]] = data["drug_canonical_to_data"]
    brands = {variant for variant, info in data["drug_variant_to_variant_data"].items() if info.get("is_brand")}

    path = folder / "nmref-large.db"
    shutil.copyfile(query.BUNDLED_DATABASE, path)
    conn = sqlite3.connect(path)
    ids = {row[0] for row in conn.execute("SELECT id FROM drugs")}
    keys = {row[0] for row in conn.execute("SELECT key FROM drug_names")}
    drug_rows, name_rows = [], []

    def add_name(name: str, drug_id: str, kind: str) -> None:
        key = normalize(name)
        if key and key not in keys:
            keys.add(key)
            name_rows.append((key, name, drug_id, kind, "reference-notes", 1, PLACEHOLDER))

    canonical_ids: dict[str, str] = {}
    for canonical in sorted(set(details) | {c for found in variants.values() for c in found}):
        drug_id = base = LARGE_ID_PREFIX + (slug(canonical) or "drug")
        suffix = 1
        while drug_id in ids:
            suffix += 1
            drug_id = f"{base}-{suffix}"
        ids.add(drug_id)
        canonical_ids[canonical] = drug_id
        name = details.get(canonical, {}).get("name") or canonical
        drug_rows.append((drug_id, name, PLACEHOLDER, "reference-notes", 1, PLACEHOLDER))
        add_name(name, drug_id, "canonical")
    for variant, canonicals in variants.items():
        add_name(variant, canonical_ids[canonicals[0]], "brand" if variant in brands else "spelling")

    with conn:
        conn.executemany("INSERT INTO drugs (id, name, description, source_id, line, quote) VALUES (?, ?, ?, ?, ?, ?)", drug_rows)
        conn.executemany(
            "INSERT INTO drug_names (key, name, drug_id, kind, source_id, line, quote) VALUES (?, ?, ?, ?, ?, ?, ?)", name_rows
        )
        conn.execute("INSERT INTO name_trigrams(name_trigrams) VALUES('rebuild')")
    conn.execute("VACUUM")
    drugs, names = (conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("drugs", "drug_names"))
    conn.close()
    return LargeDatabase(path, drugs, names, time.perf_counter() - start)


def misspellings(conn: sqlite3.Connection, count: int) -> list[Miss]:
    """Names from the dictionary with one inner letter dropped or two swapped, none a real name."""
    rows = conn.execute(
        "SELECT n.name, d.name FROM drug_names n JOIN drugs d ON d.id = n.drug_id "
        f"WHERE n.drug_id LIKE '{LARGE_ID_PREFIX}%' AND length(n.key) >= 6 AND n.name NOT GLOB '*[^A-Za-z]*' ORDER BY n.key"
    ).fetchall()
    rng = random.Random(SEED)
    misses: list[Miss] = []
    while len(misses) < count:
        name, drug = rng.choice(rows)
        i = rng.randrange(1, len(name) - 1)
        typed = name[:i] + name[i + 1 :] if rng.random() < 0.5 else name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]
        if conn.execute("SELECT 1 FROM drug_names WHERE key = ?", [normalize(typed)]).fetchone() is None:
            misses.append(Miss(typed, drug))
    return misses


def recall(suggest: Callable[[Miss], list[str]], misses: Sequence[Miss]) -> float:
    """Share of misses whose own drug is among the suggestions."""
    return sum(miss.drug in {s.split(" (")[0] for s in suggest(miss)} for miss in misses) / len(misses)


# --- the machine ------------------------------------------------------------------------------


def version_of(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"CPU: {cpu}; {os.cpu_count()} cores ({usable} usable); {platform.system()} {platform.release()}",
        f"Python {platform.python_version()} ({sys.executable}); SQLite {sqlite3.sqlite_version}",
        f"typer {version_of('typer')}, rich {version_of('rich')}, nmref {version_of('nmref')}, "
        f"drug-named-entity-recognition {version_of('drug-named-entity-recognition')}, rapidfuzz {version_of('rapidfuzz')}",
    ]


# --- putting it together ----------------------------------------------------------------------


def scale_rows(
    big: sqlite3.Connection,
    shipped: sqlite3.Connection,
    shipped_names: list[str],
    trigram: Measurement,
    timed: dict[str, Measurement],
    samples: int,
    warmups: int,
) -> list[Row]:
    """Measurement 6: exact lookups, misses and start-up, large database against shipped."""
    on_shipped = exact_lookup(shipped, "resolve_drug, shipped db (in-process)", shipped_names, samples, warmups, "shipped")
    on_large = exact_lookup(big, "resolve_drug, large db (in-process)", shipped_names, samples, warmups)
    return [
        Row("6a", on_shipped),
        Row("6a", on_large, goals=[Goal(1.5, on_shipped)]),
        Row("6b", trigram, goals=[Goal(0.015)]),
        Row("6c", timed["json-shipped"], compare=[timed["baseline"]]),
        Row("6c", timed["json-large"], goals=[Goal(1.2, timed["json-shipped"])]),
    ]


def suggestion_rows(
    big: sqlite3.Connection, misses: list[Miss], trigram: Measurement, timed: dict[str, Measurement], samples: int, warmups: int
) -> tuple[list[Row], list[str]]:
    """Measurement 7: rapidfuzz over every key against nmref's trigram candidates (6b), with recall."""
    suggesters = {"trigram + difflib": trigram_suggester(big)}
    if "import-rapidfuzz" not in timed:
        return [Row("7", None, skipped="rapidfuzz is not installed (pip install rapidfuzz)")], []
    per_call = time_calls("rapidfuzz extract, keys loaded per call", rapidfuzz_suggester(big, False), misses, samples, warmups)
    once = time_calls("rapidfuzz extract, keys loaded once", rapidfuzz_suggester(big, True), misses, samples, warmups)
    imported = timed["import-rapidfuzz"]
    suggesters["rapidfuzz fuzz.ratio"] = rapidfuzz_suggester(big, True)
    # What one `nmref show MISSPELLING` would pay: the keys loaded, and rapidfuzz's import over a bare start.
    per_process = per_call.median + imported.median - timed["baseline"].median
    notes = [
        f"7: per process, trigram + difflib {trigram.show(trigram.median)}; rapidfuzz {per_call.show(per_process)} "
        f"(keys loaded + import); faster: {'trigram + difflib' if trigram.median <= per_process else 'rapidfuzz'}",
        *(f"   top-{query.SUGGESTIONS} recall of the intended drug, {name}: {recall(s, misses):.0%}" for name, s in suggesters.items()),
    ]
    rows = [Row("7", per_call, compare=[trigram]), Row("7", once, compare=[trigram]), Row("7", imported, compare=[timed["baseline"]])]
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, help="timed runs of each measurement (default 30; 5 with --quick)")
    parser.add_argument("--warmups", type=int, help="untimed runs first (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="time children in the environment as it is, even where it forbids writing bytecode",
    )
    args = parser.parse_args(argv)
    runs = args.runs or (5 if args.quick else 30)
    warmups = args.warmups if args.warmups is not None else (1 if args.quick else 3)
    samples = runs * 5  # in-process calls are cheap: more samples, one call each
    dictionary = dictionary_path()

    with tempfile.TemporaryDirectory(prefix="nmref-bench-") as scratch:
        folder = Path(scratch)
        env = child_environment(None if args.no_bytecode_cache else folder / "pycache")
        print("nmref benchmark (issue 5)")
        for line in machine():
            print(f"  {line}")
        cache = "environment as it is" if args.no_bytecode_cache else "children cache bytecode in a private PYTHONPYCACHEPREFIX"
        print(f"  {runs} runs after {warmups} warm-ups, {samples} calls in-process; {cache}")

        shipped = query.connect(query.BUNDLED_DATABASE)
        shipped_names = [row["name"] for row in shipped.execute("SELECT name FROM drug_names ORDER BY rowid")]
        large = build_large_database(dictionary, folder) if dictionary else None
        if large:
            print(f"  large db: {large.drugs:,} drugs, {large.names:,} names, built in {large.seconds:.1f} s (benchmark-only)")
        print()

        commands = {
            "baseline": baseline(),
            "typer": import_typer(),
            "json": show_json(short="one lookup"),
            "rich": show_rich(),
            "batch": batch(shipped_names),
        }
        if large:
            commands["json-shipped"] = show_json(db=query.BUNDLED_DATABASE, short="shipped")
            commands["json-large"] = show_json(db=large.path)
        if importlib.util.find_spec("rapidfuzz") is not None:
            commands["import-rapidfuzz"] = import_rapidfuzz()
        timed = time_commands(commands, runs, warmups, env)
        base, one = timed["baseline"], timed["json"]
        rows = [
            Row("1", base),
            Row("2", timed["typer"], compare=[base]),
            Row("3", one, goals=[Goal(6.5, base), Goal(1.25, timed["typer"])]),
            Row("4", timed["rich"], goals=[Goal(10, base)]),
            Row("5", timed["batch"], goals=[Goal(2, one)]),
        ]
        notes = []
        if large:
            big = query.connect(large.path)
            misses = misspellings(big, MISSPELLINGS)
            trigram = time_calls("suggest_drugs (FTS5 trigrams + difflib), large db", trigram_suggester(big), misses, samples, warmups, "trigram")
            rows += scale_rows(big, shipped, shipped_names, trigram, timed, samples, warmups)
            found, notes = suggestion_rows(big, misses, trigram, timed, samples, warmups)
            rows += found
            notes[:0] = [
                f"6a: goal met when the large-db median is within 1.5x the shipped-db median, on the same {len(shipped_names)} real names.",
                f"6b, 7: {MISSPELLINGS} misspellings of dictionary names (a letter dropped or two swapped), cycled; 7 ratios are to 6b.",
            ]
        else:
            missing = "install the bench extra first: pip install -e '.[bench]'"
            rows += [Row("6", None, skipped=missing, required=True), Row("7", None, skipped=missing)]
        rows.append(Row("8", peak_rss(commands["json"], runs, env), goals=[Goal(40, strict=True)]))

    print_table(rows)
    print()
    for note in notes:
        print(note)
    missed = [row.key for row in rows if row.met is False]
    print(f"goals missed: {', '.join(missed)}" if missed else "all goals met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
