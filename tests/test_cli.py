"""The command line on the shipped database: answers, exit codes, messages and output hygiene."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import typer.main

from conftest import ROOT, run, run_installed
from nmref import query
from nmref.cli import app

ESCAPE = "\x1b["


def test_show_answers_with_every_section_and_cites_sources() -> None:
    doc = run("show", "ceraxon", "--json").json()
    assert doc["schema_version"] == 3
    assert doc["drug"]["id"] == "ceraxon"
    for section in ("indications", "contraindications", "adverse_effects", "interactions", "label_dosing", "analogues"):
        assert doc[section], section
        for fact in doc[section]:
            assert fact["quote"] and fact["source"]["line"] >= 1 and fact["source"]["kind"]
    assert {c["severity"] for c in doc["contraindications"]} == {"absolute", "relative"}
    assert any(a["frequency"] == "extremely rare" for a in doc["adverse_effects"])
    assert "not calculated" in doc["notice"]


def test_show_names_the_matched_spelling() -> None:
    doc = run("show", "Cerakson", "--json").json()
    assert doc["matched"] == {"query": "Cerakson", "name": "Cerakson", "kind": "spelling"}
    text = run("show", "Cerakson").stdout
    assert "Cerakson → Ceraxon" in text


def test_show_says_what_the_sources_do_not_state() -> None:
    assert "The sources state no contraindications." in run("show", "riboxin").stdout
    text = run("show", "cerebrolysin").stdout
    assert "no contraindications, as well as side effects" in text  # the claim, shown as a caveat
    assert "caveat (contradicts-label)" in text


def test_label_dosing_is_verbatim_and_labelled_as_quoted() -> None:
    doc = run("dosing", "mildronate", "--json").json()
    files = {
        "mildronate-article": ROOT / "seeds" / "003_026021fd8f836e52.txt",
        "label-dosing": ROOT / "seeds" / "reference" / "label-dosing.md",
    }
    assert {fact["source"]["id"] for fact in doc["facts"]} == set(files)
    for fact in doc["facts"]:
        lines = files[fact["source"]["id"]].read_text(encoding="utf-8").splitlines()
        assert fact["quote"] in lines[fact["source"]["line"] - 1]
    assert "never calculates a dose" in run("dosing", "mildronate").stdout


@pytest.mark.parametrize(
    "command, section",
    [
        ("indications", "indications"),
        ("contraindications", "contraindications"),
        ("adverse-effects", "adverse_effects"),
        ("side-effects", "adverse_effects"),
        ("interactions", "interactions"),
        ("dosing", "label_dosing"),
    ],
)
def test_section_commands(command: str, section: str) -> None:
    doc = run(command, "mildronate", "--json").json()
    assert doc["section"] == section and doc["facts"]


@pytest.mark.parametrize("typed", ["mildornate", "Mildronat", "mildronatee"])
def test_unknown_drug_exits_1_with_suggestions(typed: str) -> None:
    outcome = run("show", typed, code=1)
    assert outcome.stdout == ""
    assert f"no drug named '{typed}'" in outcome.stderr
    assert "did you mean: Mildronate" in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1


def test_a_miss_never_silently_becomes_another_drug() -> None:
    outcome = run("show", "xyzzy", "--json", code=1)
    assert outcome.stdout == "" and "no drug named 'xyzzy'" in outcome.stderr


@pytest.mark.parametrize("typed", ["antioxidants", "Antioxidant", "ANTIOXIDANTS "])
def test_class_forgives_case_and_plural(typed: str) -> None:
    doc = run("class", typed, "--json").json()
    assert doc["class"]["id"] == "antioxidants"
    assert {m["id"] for m in doc["members"]} >= {"mexidol", "emoxipin", "glycine"}


def test_class_includes_subclasses() -> None:
    doc = run("class", "vascular medicines", "--json").json()
    assert {m["class"]["id"] for m in doc["members"]} >= {"anticoagulants", "antiaggregants"}
    assert {"warfarin", "plavix", "cinnarizine"} <= {m["id"] for m in doc["members"]}


def test_unknown_class_exits_1_with_suggestions() -> None:
    outcome = run("class", "antioxidnts", code=1)
    assert "no class named 'antioxidnts'" in outcome.stderr and "Antioxidants" in outcome.stderr


def test_classes_is_a_tree() -> None:
    doc = run("classes", "--json").json()
    vascular = next(node for node in doc["classes"] if node["id"] == "vascular-medicines")
    assert {child["id"] for child in vascular["children"]} >= {"anticoagulants", "antiaggregants"}


def test_drugs_lists_one_name_per_line_and_filters_by_class() -> None:
    names = run("drugs").stdout.splitlines()
    assert "Ceraxon" in names and "Mildronate" in names and len(names) == len(set(names))
    filtered = run("drugs", "--class", "anticoagulants").stdout.splitlines()
    # The survey's four, and the co-medications the substance index files under the class.
    assert {"Heparin", "Phenylin", "Sinkumarin", "Warfarin"} <= set(filtered)
    assert "Apixaban" in filtered and "Ceraxon" not in filtered


def test_search_finds_quotes_and_highlights() -> None:
    doc = run("search", "Quincke", "--json").json()
    assert {hit["drug"]["id"] for hit in doc["hits"]} >= {"ceraxon", "mildronate"}
    for hit in doc["hits"]:
        start, end = hit["highlights"][0]
        assert hit["quote"][start:end].casefold().startswith("quincke")


def test_search_treats_query_syntax_as_text() -> None:
    # "AND" is the word "and", not an operator; "edema:" is not a column filter.
    hits = run("search", "AND", "--json").json()["hits"]
    assert hits and all("and" in (hit["quote"] + hit["text"]).casefold() for hit in hits)
    assert (
        run("search", "edema:Quincke", "--json").json()["hits"]
        == run("search", "edema Quincke", "--json").json()["hits"]
    )
    # NEAR( is the word "near" (some label facts use it), never the FTS5 operator.
    assert run("search", "NEAR(", "--json").json()["hits"] == run("search", "near", "--json").json()["hits"]
    for text in ('"', "*", "-", "%", "_", "%%", "___"):
        outcome = run("search", text, "--json", code=1)
        assert outcome.stdout == "" and "no fact matches" in outcome.stderr


def test_sources_lists_documents_with_checksums_and_counts() -> None:
    doc = run("sources", "--json").json()
    articles = [s for s in doc["sources"] if s["kind"] == "promotional-article"]
    assert len(articles) == 4 and all(len(s["sha256"]) == 64 and s["facts"] > 0 for s in articles)
    assert "promotional" in run("sources").stdout


def test_version_shows_data_fingerprint() -> None:
    outcome = run("--version")
    assert outcome.stdout.startswith("nmref ") and "data " in outcome.stdout


def test_bad_option_is_a_usage_error_in_one_line() -> None:
    outcome = run("show", "ceraxon", "--weight", "70", code=2)
    assert outcome.stderr.startswith("nmref: ") and len(outcome.stderr.strip().splitlines()) == 1


def test_no_option_takes_a_weight_age_or_amount() -> None:
    forbidden = ("weight", "age", "dose", "amount", "unit", "kg", "mg")
    for command in typer.main.get_command(app).commands.values():
        for param in command.params:
            assert not any(word in name.lstrip("-").lower().split("-") for name in param.opts for word in forbidden), (
                param.opts
            )


def test_every_command_has_help_text_and_answers_help() -> None:
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert (command.help or "").strip(), name
        assert run(name, "--help").stdout.strip()
    assert "Exit codes" in run("--help").stdout


def test_json_and_ndjson_conflict_is_a_usage_error() -> None:
    run("drugs", "--json", "--format", "ndjson", code=2)


def test_ndjson_gives_one_record_per_line() -> None:
    records = run("drugs", "--format", "ndjson").ndjson()
    assert len(records) == len(run("drugs").stdout.splitlines())
    assert all(record["schema_version"] == 3 and record["name"] for record in records)


def test_batch_reads_names_from_stdin_and_goes_on_after_a_miss() -> None:
    outcome = run("show", "--json", "-", input="ceraxon\nmildornate\n\nmildronate\n", code=1)
    records = outcome.ndjson()
    assert [r.get("drug", {}).get("id") for r in records] == ["ceraxon", None, "mildronate"]
    assert records[1]["error"]["code"] == "not_found" and "Mildronate" in records[1]["error"]["suggestions"]


def test_batch_lines_are_the_single_lookups_lines_for_every_name(bundled) -> None:
    # The batch splices each compiled monograph in undecoded; it must equal the one-name output.
    names = [row[0] for row in bundled.execute("SELECT name FROM drug_names ORDER BY rowid")]
    batch = run("show", "--json", "-", input="".join(f"{name}\n" for name in names)).stdout.splitlines()
    assert len(batch) == len(names)
    for name, line in zip(names, batch, strict=True):
        assert line == run("show", name, "--format", "ndjson").stdout.rstrip("\n"), name


def test_section_commands_take_a_batch_too() -> None:
    records = run("contraindications", "--json", "-", input="ceraxon\nmildronate\n").ndjson()
    assert [r["drug"]["id"] for r in records] == ["ceraxon", "mildronate"]


def test_text_from_the_database_is_never_read_as_markup(tmp_path, monkeypatch) -> None:
    # Every quote and name printed by the rich view appears literally (brackets included).
    text = run("show", "mildronate").stdout
    assert "[source " in text or "“" in text
    doc = run("show", "mildronate", "--json").json()
    bracketed = [f["quote"] for f in doc["indications"] if "(" in f["quote"]]
    assert bracketed


def test_no_colour_codes_when_piped_or_no_color() -> None:
    assert ESCAPE not in run("show", "ceraxon").stdout
    assert ESCAPE not in run("show", "ceraxon", env={"NO_COLOR": "1", "FORCE_COLOR": ""}).stdout


def test_installed_console_script_answers() -> None:
    result = run_installed("show", "ceraxon", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["drug"]["id"] == "ceraxon"


def test_python_dash_m_works_like_nmref() -> None:
    result = subprocess.run([sys.executable, "-m", "nmref", "drugs"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Ceraxon" in result.stdout.splitlines()


def test_cut_pipe_ends_quietly() -> None:
    for command in ("drugs | head -1", "show ceraxon | head -c 10"):
        result = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {sys.executable} -m nmref {command}; echo exit=$?"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "Traceback" not in result.stderr and "Broken pipe" not in result.stderr, result.stderr
        assert result.stderr == ""


@pytest.mark.parametrize(
    "args", [["show", "ceraxon", "--json"], ["show", "ceraxon"], ["classes"], ["search", "stroke"]]
)
def test_json_and_piped_views_never_import_rich_pydantic_or_sqlite_utils(args: list[str]) -> None:
    probe = (
        f"import sys, runpy; sys.argv = ['nmref', *{args!r}];\n"
        "try:\n    runpy.run_module('nmref', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in ('rich', 'pydantic', 'sqlite_utils') if m in sys.modules]\n"
        "sys.stderr.write('LOADED=' + ','.join(loaded))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip()
    assert result.stderr.endswith("LOADED="), result.stderr


def test_installed_command_json_path_loads_no_heavy_modules() -> None:
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    result = run_installed("show", "ceraxon", "--json", env=env)
    assert result.returncode == 0
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert imported, "import timing not captured"
    assert not {"rich", "pydantic", "sqlite_utils"} & imported


def test_only_the_invoked_command_is_found_past_group_options() -> None:
    from nmref.usage import invoked_command

    assert invoked_command(["--db", "x.db", "show", "ceraxon"]) == "show"
    assert invoked_command(["--version"]) is None
    assert invoked_command(["class", "antioxidants"]) == "class"


def test_console_script_with_group_option_before_the_command() -> None:
    result = run_installed("--db", str(ROOT / "src" / "nmref" / "data" / "nmref.db"), "for", "stroke", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("{")


def test_version_names_the_data_schema_and_the_json_contract_apart() -> None:
    line = run("--version").stdout
    assert f"data schema {query.SCHEMA_VERSION}" in line
    assert f"JSON contract {run('show', 'ceraxon', '--json').json()['schema_version']}" in line
