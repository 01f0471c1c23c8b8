"""The JSON contract: every command's --json output, on the bundled database, validates against
its schema in src/nmref/schemas/ (JSON Schema 2020-12, shared parts in defs.schema.json), and the
payloads agree with one another where they describe the same thing.

Inputs are taken from the CLI's own answers (`drugs`, `classes`), never hard-coded lists of
expected output; a few inputs are chosen for the shape they exercise, and a coverage test checks
that they still do.
"""

from __future__ import annotations

import io
import json
import re
import shlex
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from conftest import ROOT, run
from nmref import query
from nmref.cli import app
from nmref.render import OutputFormat, emit

SCHEMAS = ROOT / "src" / "nmref" / "schemas"
SCHEMA_BASE = "https://nmref.invalid/schemas/v2/"
# CLI command -> schema file stem, where they differ.
SCHEMA_OF = {"side-effects": "adverse-effects"}
SECTION_COMMANDS = ["indications", "contraindications", "adverse-effects", "side-effects", "interactions", "dosing"]
# Show's fact lists, and the fact table each one's facts (and caveats' fact_table) belong to.
SHOW_FACT_LISTS = {
    "atc": "reference_facts",
    "ingredients": "ingredients",
    "forms": "forms",
    "indications": "indications",
    "contraindications": "contraindications",
    "precautions": "precautions",
    "adverse_effects": "adverse_effects",
    "interactions": "interactions",
    "label_dosing": "label_dosing",
    "analogues": "analogues",
    "listed_as_analogue_of": "analogues",
    "regulatory": "reference_facts",
    "sport": "reference_facts",
    "label": "reference_facts",
}
# Chosen for their shape: many facts in every section (ceraxon), another article (mildronate,
# cerebrolysin), named only in a list and so with empty sections (warfarin, glycine).
# Riboxin: no label contraindications or interactions are recorded, so sections can be empty.
# Complamin: no indication is recorded (Riboxin now has label indications), so that section can be empty.
SAMPLE_DRUGS = ["ceraxon", "mildronate", "cerebrolysin", "warfarin", "riboxin", "emoxipin", "complamin"]
SEARCHES = ["stroke", "memory", "heart attack", "article", "piracetam", "N06BX06"]
CHECKS = [
    ("ceraxon", "levodopa"),  # a direct interaction
    ("ceraxon", "acefen"),  # through an ingredient, and caveats on the pair
    ("fezam", "omaron"),  # the same ingredients
    ("mildronate", "riboxin", "ceraxon"),  # three drugs
    ("ceraxon", "warfarin"),  # nothing stated
    ("Цераксон", "warfarin"),  # any name resolves; the query is echoed
    ("warfarin", "aspirin"),  # a label rule for a class (antiplatelet agents)
    ("cerebrolysin", "--condition", "epilepsy"),  # a patient's condition against contraindications
    ("warfarin", "acenocoumarol"),  # two members of a class that is not doubled
    ("cerebrolysin", "glycine", "--condition", "G40", "--condition", "беременность"),  # code and Russian
]
CONDITIONS = ["stroke", "memory", "traumatic brain injury"]


# --- schemas ------------------------------------------------------------------------------------


@cache
def registry() -> Registry:
    # Keyed by their absolute $id, as any validator given the files would find them.
    resources = [
        (contents["$id"], Resource.from_contents(contents))
        for contents in (json.loads(path.read_text(encoding="utf-8")) for path in sorted(SCHEMAS.glob("*.schema.json")))
    ]
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    schema = registry().contents(SCHEMA_BASE + f"{name}.schema.json")
    return Draft202012Validator(schema, registry=registry())


def violations(name: str, payload: Any) -> list[ValidationError]:
    return sorted(validator(name).iter_errors(payload), key=lambda error: list(error.absolute_path))


def describe(errors: list[ValidationError]) -> str:
    return "\n".join(f"  {error.json_path}: {error.message[:300]}" for error in errors[:20])


def assert_valid(name: str, payload: Any, what: str) -> None:
    """`payload` validates against schemas/<name>.schema.json."""
    errors = violations(name, payload)
    assert not errors, f"{what} does not match {name}.schema.json:\n{describe(errors)}"


def command_names() -> list[str]:
    """The commands that answer with a payload (`schema` answers with a JSON Schema itself,
    `serve` with web pages and `mcp` with tools, whose JSON is the other commands')."""
    return sorted(set(typer.main.get_command(app).commands) - {"schema", "serve", "mcp"})


def walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every object nested anywhere in `value`."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def is_fact(value: dict[str, Any]) -> bool:
    return {"id", "text", "quote", "source"} <= value.keys()


# --- inputs, from the CLI's own answers ---------------------------------------------------------


@cache
def drug_ids() -> list[str]:
    return [drug["id"] for drug in run("drugs", "--json").json()["drugs"]]


@cache
def class_names() -> list[str]:
    def names(nodes: list[dict[str, Any]]) -> Iterator[str]:
        for node in nodes:
            yield node["name"]
            yield from names(node["children"])

    return list(names(run("classes", "--json").json()["classes"]))


@cache
def source_list() -> dict[str, dict[str, Any]]:
    return {source["id"]: source for source in run("sources", "--json").json()["sources"]}


@cache
def shown(drug: str) -> dict[str, Any]:
    return run("show", drug, "--json").json()


# --- the schema files themselves ----------------------------------------------------------------


def schema_files() -> list[Path]:
    return sorted(SCHEMAS.glob("*.schema.json"))


@pytest.mark.parametrize("path", schema_files(), ids=lambda path: path.name)
def test_schema_is_valid_2020_12_and_every_ref_resolves(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_BASE + path.name, "an absolute $id, so any validator resolves the refs"
    resolver = registry().resolver(base_uri=schema["$id"])
    refs = [node["$ref"] for node in walk(schema) if isinstance(node.get("$ref"), str)]
    for ref in refs:
        resolver.lookup(ref)  # raises on a ref to a missing file or definition


def test_every_command_has_a_schema() -> None:
    commands = command_names()
    assert {"show", "check", "side-effects", "analogues"} <= set(commands)  # the app was really read
    missing = [c for c in commands if not (SCHEMAS / f"{SCHEMA_OF.get(c, c)}.schema.json").is_file()]
    assert not missing, f"commands without a schema in schemas/: {missing}"


def test_every_command_schema_pins_schema_version_and_command() -> None:
    for command in command_names():
        schema = registry().contents(SCHEMA_BASE + f"{SCHEMA_OF.get(command, command)}.schema.json")
        assert schema["type"] == "object" and schema["additionalProperties"] is False, command
        assert {"schema_version", "command"} <= set(schema["required"]), command
        assert "const" in schema["properties"]["command"], command


def test_every_fact_definition_requires_text_quote_and_a_located_source() -> None:
    defs = registry().contents(SCHEMA_BASE + "defs.schema.json")["$defs"]
    assert {"text", "quote", "source"} <= set(defs["factCore"]["required"])
    assert {"id", "kind", "line"} <= set(defs["source"]["required"])
    closed = [name for name, definition in defs.items() if definition.get("unevaluatedProperties") is False]
    assert closed, "no closed fact definitions"
    for name in closed:
        chain, definition = [name], defs[name]
        while definition.get("$ref", "").startswith("#/$defs/") and chain[-1] != "factCore":
            chain.append(definition["$ref"].removeprefix("#/$defs/"))
            definition = defs[chain[-1]]
        assert chain[-1] == "factCore", f"{name} does not build on factCore ({' -> '.join(chain)})"


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda p: p.update(schema_version=1), id="schema_version-1"),
        pytest.param(lambda p: p.update(command="shown"), id="wrong-command"),
        pytest.param(lambda p: p.update(surprise=1), id="unknown-top-level-key"),
        pytest.param(lambda p: p["indications"][0].pop("quote"), id="fact-without-quote"),
        pytest.param(lambda p: p["indications"][0].pop("text"), id="fact-without-text"),
        pytest.param(lambda p: p["indications"][0]["source"].pop("line"), id="source-without-line"),
        pytest.param(lambda p: p["indications"][0]["source"].update(line="3"), id="line-as-string"),
        pytest.param(lambda p: p["indications"][0].update(severity="absolute"), id="key-of-another-table"),
        pytest.param(lambda p: p["indications"][0].update(defect={"kind": "typo", "note": "x"}), id="defect-kind"),
        pytest.param(lambda p: p["contraindications"][0].update(severity="mild"), id="severity"),
        pytest.param(lambda p: p["interactions"][0].update(category="fine"), id="interaction-category"),
        pytest.param(lambda p: p["caveats"][0].update(kind="note"), id="caveat-kind"),
        pytest.param(lambda p: p["drug"]["source"].update(kind="blog"), id="source-kind"),
        pytest.param(lambda p: p["analogues"][0].pop("caveat_ids"), id="fact-without-caveat_ids"),
    ],
)
def test_schema_rejects_a_broken_show_payload(mutate: Any) -> None:
    payload = json.loads(json.dumps(shown("ceraxon")))
    mutate(payload)
    assert violations("show", payload), "the show schema accepted a broken payload"


# --- show ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("drug", drug_ids())
def test_show(drug: str) -> None:
    payload = shown(drug)
    assert payload["drug"]["id"] == drug
    facts = [fact for fact in walk(payload) if is_fact(fact)]
    for fact in facts:
        assert not violations("fact", fact), f"show {drug}: {fact['id']} is not a fact object"
    assert_valid("show", payload, f"show {drug}")


def test_show_by_every_name_of_a_drug() -> None:
    names = shown("ceraxon")["names"]
    assert len({name["kind"] for name in names}) > 1
    for name in names:
        payload = run("show", name["name"], "--json").json()
        assert payload["drug"]["id"] == "ceraxon"
        assert payload["matched"] == {"query": name["name"], "name": name["name"], "kind": name["kind"]}
        assert_valid("show", payload, f"show {name['name']!r}")


@pytest.mark.parametrize("drug", drug_ids())
def test_show_cites_every_quote_it_shows(drug: str) -> None:
    """Every quote's source matches `nmref sources` and is listed, with its line, in `sources`."""
    payload = shown(drug)
    listed = {(source["id"], line) for source in payload["sources"] for line in source["lines"]}
    pages = {page["id"]: {"title": page["title"], "url": page["url"]} for page in payload["pages"]}
    known = source_list()
    for record in walk(payload):
        if "quote" in record:
            source = record["source"]
            assert (source["id"], source["line"]) in listed, f"{source} not in show {drug} sources"
            assert source["kind"] == known[source["id"]]["kind"]
        for citation in record.get("citations") or []:
            assert citation["url"] == known[citation["id"]]["url"]
            assert pages[citation["id"]] == {"title": known[citation["id"]]["title"], "url": citation["url"]}
    for source in payload["sources"]:
        assert source["title"] == known[source["id"]]["title"]


def caveat_links(payload: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(caveat_ids naming no caveat in the payload, caveats not linked from a fact they qualify)."""
    caveats = {caveat["id"]: caveat for caveat in payload["caveats"]}
    dangling, unlinked = [], []
    for key, table in SHOW_FACT_LISTS.items():
        for fact in payload[key]:
            dangling += [f"{key}/{fact['id']} -> {i}" for i in fact.get("caveat_ids", []) if i not in caveats]
            for caveat in caveats.values():
                if any((link["fact_table"], link["fact_id"]) == (table, fact["id"]) for link in caveat["links"]):
                    if caveat["id"] not in fact.get("caveat_ids", []):
                        unlinked.append(f"{key}/{fact['id']} lacks {caveat['id']}")
    return dangling, unlinked


@pytest.mark.parametrize("drug", drug_ids())
def test_show_caveat_ids_point_into_caveats(drug: str) -> None:
    dangling, _ = caveat_links(shown(drug))
    assert not dangling


def test_show_links_every_caveat_from_the_fact_it_qualifies() -> None:
    unlinked = [line for drug in drug_ids() for line in caveat_links(shown(drug))[1]]
    assert not unlinked, unlinked


# --- section commands ---------------------------------------------------------------------------


@pytest.mark.parametrize("drug", SAMPLE_DRUGS)
@pytest.mark.parametrize("command", SECTION_COMMANDS)
def test_section(command: str, drug: str) -> None:
    payload = run(command, drug, "--json").json()
    assert_valid(SCHEMA_OF.get(command, command), payload, f"{command} {drug}")


@pytest.mark.parametrize("command", SECTION_COMMANDS)
def test_section_facts_are_the_monographs(command: str) -> None:
    """A section command answers with the same facts as that section of `show`, and the samples
    cover both an empty and a non-empty answer."""
    sizes = []
    for drug in SAMPLE_DRUGS:
        payload = run(command, drug, "--json").json()
        assert payload["facts"] == shown(drug)[payload["section"]]
        sizes.append(len(payload["facts"]))
    assert 0 in sizes and max(sizes) > 0, f"{command} samples no longer cover empty and non-empty: {sizes}"


# --- classes, drugs, sources --------------------------------------------------------------------


def test_classes() -> None:
    assert_valid("classes", run("classes", "--json").json(), "classes")


@pytest.mark.parametrize("name", class_names())
def test_class(name: str) -> None:
    payload = run("class", name, "--json").json()
    assert payload["class"]["name"] == name and payload["class"]["path"][-1] == name
    assert_valid("class", payload, f"class {name}")


@pytest.mark.parametrize("name", class_names())
def test_drugs_of_a_class(name: str) -> None:
    payload = run("drugs", "--class", name, "--json").json()
    assert payload["class"]["name"] == name
    assert {d["id"] for d in payload["drugs"]} == {m["id"] for m in run("class", name, "--json").json()["members"]}
    assert_valid("drugs", payload, f"drugs --class {name}")


def test_drugs() -> None:
    payload = run("drugs", "--json").json()
    assert payload["class"] is None and payload["drugs"]
    assert_valid("drugs", payload, "drugs")


def test_sources() -> None:
    payload = run("sources", "--json").json()
    assert {s["kind"] for s in payload["sources"]} == {
        "promotional-article",
        "reference-notes",
        "label-notes",
        "reference",
    }
    assert_valid("sources", payload, "sources")


# --- search, for --------------------------------------------------------------------------------


@pytest.mark.parametrize("words", SEARCHES)
def test_search(words: str) -> None:
    payload = run("search", words, "--json").json()
    assert payload["query"] == words
    assert_valid("search", payload, f"search {words!r}")
    for hit in payload["hits"]:
        for start, end in hit["highlights"]:  # empty when only `text` matched
            assert 0 <= start < end <= len(hit["quote"])


def test_search_samples_cover_drug_and_article_hits() -> None:
    drugs = [hit["drug"] for words in SEARCHES for hit in run("search", words, "--json").json()["hits"]]
    assert None in drugs and any(drugs), "no sample search reaches both a drug fact and an article-wide caveat"


@pytest.mark.parametrize("condition", CONDITIONS)
def test_for(condition: str) -> None:
    payload = run("for", *condition.split(), "--json").json()
    assert payload["condition"] == condition
    assert_valid("for", payload, f"for {condition}")
    for drug in payload["drugs"]:
        by_id = {fact["id"]: fact for fact in shown(drug["id"])["indications"]}
        for fact in drug["indications"] + drug["claimed_effects"]:
            # The same fact, and the same caveats beside it, as in the monograph; `for` adds how
            # the condition reached it.
            reached = fact.pop("reached")
            assert reached and {r["how"] for r in reached} <= {"exact", "narrower", "broader"}
            assert fact == by_id[fact["id"]], f"for {condition}: {fact['id']} differs from show {drug['id']}"
            assert (fact["basis"] == "stated-use") == (fact in drug["indications"])


# --- check, analogues ---------------------------------------------------------------------------


@pytest.mark.parametrize("names", CHECKS, ids="+".join)
def test_check(names: tuple[str, ...]) -> None:
    payload = run("check", *names, "--json").json()
    asked = [condition["query"] for condition in payload["conditions"]]
    typed = [name for name in names if name not in ("--condition", *asked)]
    assert [drug["matched"]["query"] for drug in payload["drugs"]] == typed
    assert_valid("check", payload, f"check {' '.join(names)}")


def test_check_samples_cover_every_connection_and_no_finding() -> None:
    payloads = [run("check", *names, "--json").json() for names in CHECKS]
    connections = {finding["connection"] for payload in payloads for finding in payload["findings"]}
    enum = registry().contents(SCHEMA_BASE + "defs.schema.json")["$defs"]["checkConnection"]["enum"]
    assert connections == set(enum)
    assert any(not payload["findings"] for payload in payloads)


@pytest.mark.parametrize("drug", drug_ids())
def test_analogues(drug: str) -> None:
    payload = run("analogues", drug, "--json").json()
    listed = [fact["id"] for group in payload["dosage_forms"] for fact in group["analogues"]]
    assert sorted(listed) == sorted(fact["id"] for fact in shown(drug)["analogues"])
    assert_valid("analogues", payload, f"analogues {drug}")


def test_analogues_cover_a_drug_with_and_one_without() -> None:
    assert run("analogues", "ceraxon", "--json").json()["dosage_forms"]
    assert any(not run("analogues", d, "--json").json()["dosage_forms"] for d in drug_ids())


# --- batches, errors, NDJSON, exit codes --------------------------------------------------------


@pytest.mark.parametrize("command", ["show", "indications", "analogues"])
def test_batch_lines_are_results_or_errors(command: str) -> None:
    names = ["ceraxon", "no-such-drug", "Mildronat", "warfarin"]
    outcome = run(command, "--json", "-", input="\n".join(names) + "\n\n", code=1)
    lines = outcome.stdout.splitlines()
    assert len(lines) == len(names), "one line per non-blank input name"
    schema = SCHEMA_OF.get(command, command)
    for name, line in zip(names, lines, strict=True):
        payload = json.loads(line)
        if payload["command"] == "error":
            assert payload["query"] == name
            assert_valid("error", payload, f"{command} batch line for {name!r}")
        else:
            assert payload["matched"]["query"] == name
            assert_valid(schema, payload, f"{command} batch line for {name!r}")
    assert [json.loads(line)["command"] == "error" for line in lines] == [False, True, True, False]
    assert json.loads(lines[2])["error"]["suggestions"], "a near miss gets suggestions"


def test_batch_of_known_names_exits_0() -> None:
    outcome = run("show", "--json", "-", input="ceraxon\nmildronate\n")
    assert [json.loads(line)["command"] for line in outcome.stdout.splitlines()] == ["show", "show"]


@pytest.mark.parametrize(
    "args",
    [("drugs",), ("drugs", "--class", "nootropics"), *(("search", words) for words in SEARCHES[:3]), ("sources",)],
    ids=" ".join,
)
def test_ndjson_lines_are_objects_with_schema_version(args: tuple[str, ...]) -> None:
    outcome = run(*args, "--format", "ndjson")
    records = outcome.ndjson()
    assert records and len(records) == len(outcome.stdout.splitlines())
    key = {"drugs": "drugs", "search": "hits", "sources": "sources"}[args[0]]
    assert len(records) == len(run(*args, "--json").json()[key])
    for record in records:
        assert isinstance(record, dict) and record["schema_version"] == 3


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("command", ["show", "classes"])
def test_json_is_indented_on_a_terminal_and_one_line_piped(command: str) -> None:
    conn = query.connect()
    payload = query.monograph(conn, "ceraxon") if command == "show" else query.class_tree(conn)
    on_terminal, piped = Terminal(), io.StringIO()
    for out in (on_terminal, piped):
        emit(payload, OutputFormat.json, out)
    assert on_terminal.getvalue().startswith('{\n  "schema_version": 3,\n  "command": ')
    assert piped.getvalue().count("\n") == 1 and piped.getvalue().endswith("}\n")
    assert json.loads(on_terminal.getvalue()) == json.loads(piped.getvalue())


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("show", "no-such-drug"), 1),
        (("search", "zzzqqxx"), 1),
        (("for", "zzzqqxx"), 1),
        (("class", "no-such-class"), 1),
        (("check", "ceraxon", "no-such-drug"), 1),
        (("check", "ceraxon"), 2),
        (("show", "ceraxon", "--format", "yaml"), 2),
        (("--db", "/nonexistent/nmref.db", "show", "ceraxon"), 3),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else str(value),
)
def test_no_answer_means_no_json_and_a_documented_exit_code(args: tuple[str, ...], code: int) -> None:
    outcome = run(*args, "--json", code=code)
    assert outcome.stdout == ""
    assert outcome.stderr.startswith("nmref: ") and outcome.stderr.count("\n") == 1


# --- docs/json.md -------------------------------------------------------------------------------

DOCS = ROOT / "docs" / "json.md"
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.DOTALL)


def doc_examples() -> list[tuple[str, str, str]]:
    """(command line of the preceding sh block, fence language, body) for every json/ndjson block."""
    examples, command = [], ""
    for language, body in FENCE.findall(DOCS.read_text(encoding="utf-8")):
        if language == "sh":
            command = body.strip()
        elif language in ("json", "ndjson"):
            examples.append((command, language, body))
    return examples


def trimmed_from(example: Any, real: Any) -> bool:
    """Whether `example` is `real` with some list items left out (order kept), and nothing else changed."""
    if isinstance(example, dict):
        return (
            isinstance(real, dict)
            and example.keys() == real.keys()
            and all(trimmed_from(example[key], real[key]) for key in example)
        )
    if isinstance(example, list):
        if not isinstance(real, list):
            return False
        rest = iter(real)
        return all(any(trimmed_from(item, candidate) for candidate in rest) for item in example)
    return example == real


def schema_for_payload(command: str) -> str:
    """The schema whose `command` const is this payload's `command` value."""
    schemas = {
        path.name.removesuffix(".schema.json"): registry().contents(SCHEMA_BASE + path.name) for path in schema_files()
    }
    stems = {
        schema["properties"]["command"]["const"]: stem
        for stem, schema in schemas.items()
        if "command" in schema.get("properties", {})
    }
    return stems[command]


def test_docs_have_a_valid_example_for_every_command() -> None:
    documented = set()
    for command, language, body in doc_examples():
        records = [json.loads(line) for line in body.splitlines()] if language == "ndjson" else [json.loads(body)]
        for record in records:
            assert isinstance(record, dict), f"docs example after {command!r} is not an object"
            if "command" in record:
                assert record["schema_version"] == 3
                assert_valid(schema_for_payload(record["command"]), record, f"docs/json.md example {command!r}")
                documented.add(schema_for_payload(record["command"]))
            elif language == "ndjson":
                assert record["schema_version"] == 3
    wanted = {SCHEMA_OF.get(command, command) for command in command_names()} | {"error"}
    assert wanted <= documented, f"docs/json.md has no example for {sorted(wanted - documented)}"


@pytest.mark.parametrize(
    ("command", "body"),
    [
        pytest.param(c, b, id=c.removeprefix("nmref ").removesuffix(" --json"))
        for c, language, b in doc_examples()
        if language == "json" and c.startswith("nmref ") and "|" not in c
    ],
)
def test_docs_examples_are_real_output_trimmed(command: str, body: str) -> None:
    real = run(*shlex.split(command)[1:]).json()
    assert trimmed_from(json.loads(body), real), f"docs/json.md: the example of {command!r} is not its output"


# --- nmref schema: standalone schemas and NDJSON records ----------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("show", "ceraxon"),
        ("contraindications", "cerebrolysin"),
        ("check", "warfarin", "aspirin"),
        ("for", "stroke"),
        ("compare", "ceraxon", "mildronate"),
        ("classes",),
        ("search", "Quincke"),
        ("sources",),
    ],
)
def test_output_validates_against_the_standalone_schema_alone(args: tuple[str, ...], tmp_path: Path) -> None:
    """What `nmref schema COMMAND` prints validates the command's output with no other file and
    no registry: a standard validator, run from any folder, needs nothing else."""
    schema = run("schema", args[0]).json()
    assert schema["$id"].startswith("https://") and "defs.schema.json" not in json.dumps(schema)
    Draft202012Validator.check_schema(schema)
    errors = list(Draft202012Validator(schema).iter_errors(run(*args, "--json").json()))
    assert not errors, describe(errors)


@pytest.mark.parametrize("command", ["drugs", "search", "sources", "class", "classes", "for", "check"])
def test_ndjson_records_validate_against_the_record_schema(command: str) -> None:
    args = {"search": ["stroke"], "class": ["antioxidants"], "for": ["stroke"], "check": ["warfarin", "aspirin"]}
    schema = run("schema", command, "--record").json()
    records = run(command, *args.get(command, []), "--format", "ndjson").ndjson()
    assert records
    for record in records:
        errors = list(Draft202012Validator(schema).iter_errors(record))
        assert not errors, describe(errors)


def test_schema_refuses_an_unknown_name_with_the_list() -> None:
    message = run("schema", "shw", code=2).stderr
    assert "no schema named 'shw'" in message and "show" in message
    assert "no NDJSON records" in run("schema", "show", "--record", code=2).stderr
