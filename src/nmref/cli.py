"""The command line: parses arguments, calls the query layer, hands the result to rendering.

Errors a user can cause become one line on stderr and an exit code here, at one edge
(NmrefGroup); nothing below this module prints or exits.
"""

import importlib.util
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from nmref import __version__, query, settings
from nmref.completion import (
    COMPLETE_INSTRUCTIONS,
    COMPLETE_VARIABLE,
    Shell,
    completion_option,
    for_shell,
    install_completion,
    show_completion,
)
from nmref.errors import ExitCode, NmrefError, NotFound, printable, quoted
from nmref.render import SCHEMA_VERSION as JSON_CONTRACT
from nmref.render import OutputFormat, Payload, emit, emit_document, emit_stream
from nmref.usage import EXIT_CODES_HELP, FIRST_SCREEN, misplaced_option_hint, without_possible_options


class NmrefGroup(TyperGroup):
    """Turns every error a user can cause into one line on stderr and a documented exit code."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NmrefError as error:
            fail(error.message, error.exit_code)
        except sqlite3.DatabaseError as error:
            fail(f"the database is damaged or unreadable ({error})", ExitCode.DATABASE)
        except KeyboardInterrupt:
            raise typer.Exit(ExitCode.INTERRUPTED) from None

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        # typer 0.28 carries its own click; its exceptions live here, not in `click`.
        from typer._click.exceptions import ClickException

        given = kwargs.pop("args", args[0] if args else None)
        arguments = list(given) if given is not None else sys.argv[1:]
        if not arguments and os.environ.get(COMPLETE_VARIABLE) not in COMPLETE_INSTRUCTIONS:
            # No arguments (and no shell asking for completions): a first screen (usage, the
            # commands most used, examples, where the full help is) is an answer (exit 0).
            sys.stdout.write(FIRST_SCREEN)
            if standalone_mode:
                sys.exit(ExitCode.OK)
            return ExitCode.OK
        try:
            result = super().main(arguments, *args[1:], standalone_mode=False, **kwargs)
            code = result if isinstance(result, int) else ExitCode.OK
        except ClickException as error:
            # One line instead of a usage box: the message, and where to read more.
            message = printable(error.format_message(), one_line=True)
            where = error.ctx.command_path if getattr(error, "ctx", None) else "nmref"
            hint = misplaced_option_hint(error, arguments)
            if hint:
                message = without_possible_options(message)
            say(f"{message}{hint} (see '{where} --help')")
            code = error.exit_code
        except typer.Abort:
            code = ExitCode.INTERRUPTED
        except OSError as error:  # writing the answer failed: a full disk, a closed stdout
            say(f"cannot write the output ({error.strerror or error})")
            code = ExitCode.OUTPUT
        if standalone_mode:
            sys.exit(code)
        return code


def fail(message: str, code: int) -> None:
    say(message)
    raise typer.Exit(code)


def say(message: str) -> None:
    """One line on stderr. Every message passes here made printable: a path, an SQLite error or
    a drug name from a database could otherwise carry terminal escape sequences."""
    sys.stderr.write(f"nmref: {printable(message, one_line=True)}\n")


app = typer.Typer(
    cls=NmrefGroup,
    help="Offline reference for neurometabolic drugs. Every fact is quoted from its source; "
    "nmref never calculates a dose.",
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    # Help text paragraphs are reflowed to the terminal (markdown: a single newline joins lines).
    rich_markup_mode="markdown",
    # nmref's own --install-completion SHELL and --show-completion SHELL take the shell named.
    add_completion=False,
)

FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format", "-f", help="text for people; json (one document) or ndjson (one record per line) for scripts."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


def pick_format(fmt: OutputFormat, as_json: bool) -> OutputFormat:
    if as_json and fmt not in (OutputFormat.text, OutputFormat.json):
        raise typer.BadParameter("--json and --format ndjson ask for different outputs", param_hint="--json")
    return OutputFormat.json if as_json else fmt


def connection(ctx: typer.Context) -> sqlite3.Connection:
    state = ctx.find_root().ensure_object(dict)
    if "conn" not in state:
        state["conn"] = query.connect(state.get("db"))
    return state["conn"]


def complete_drug(ctx: typer.Context, incomplete: str) -> list[str]:
    try:
        return for_shell(query.complete_drug_names(connection(ctx), incomplete), incomplete)
    except (NmrefError, sqlite3.DatabaseError):
        return []


def complete_class(ctx: typer.Context, incomplete: str) -> list[str]:
    try:
        return for_shell(query.complete_class_names(connection(ctx), incomplete), incomplete)
    except (NmrefError, sqlite3.DatabaseError):
        return []


def show_version(ctx: typer.Context, value: bool) -> None:
    if not value:
        return
    try:
        conn = query.connect((ctx.params or {}).get("db"))
        # Two versions, named apart: the database's schema and the JSON contract of --json.
        data = f"data {query.data_fingerprint(conn)}, data schema {query.SCHEMA_VERSION}, JSON contract {JSON_CONTRACT}"
    except (NmrefError, sqlite3.DatabaseError) as error:
        data = f"data unavailable: {getattr(error, 'message', error)}"
    # The fingerprint is read from a database, which may be anyone's: made printable.
    sys.stdout.write(f"nmref {__version__} ({printable(data, one_line=True)})\n")
    raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="NMREF_DB", is_eager=True, help="Read this database instead of the bundled one."),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=show_version, help="Show the version and the data fingerprint."
        ),
    ] = False,
    color: Annotated[
        Color,
        typer.Option(
            "--color",
            help="Colour in text views: auto (on a terminal, unless NO_COLOR is set), always, never.",
        ),
    ] = Color.auto,
    install: Annotated[
        Shell | None,
        completion_option(
            "--install-completion",
            install_completion,
            "Install completion of commands, drug and class names for SHELL (bash, zsh or fish).",
        ),
    ] = None,
    show: Annotated[
        Shell | None,
        completion_option("--show-completion", show_completion, "Print the completion script for SHELL."),
    ] = None,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager", help="Never page. (On a terminal a long view goes through NMREF_PAGER, PAGER or less -FRX.)"
        ),
    ] = False,
) -> None:
    ctx.ensure_object(dict)["db"] = db
    settings.configure(color=color.value, pager=not no_pager)


NameArgument = Annotated[
    str,
    typer.Argument(
        help="Drug name: brand, INN, any source spelling, Cyrillic; '-' reads names from stdin.",
        autocompletion=complete_drug,
    ),
]


def answer(
    ctx: typer.Context,
    name: str,
    fmt: OutputFormat,
    lookup: Callable[[sqlite3.Connection, str], Payload],
    view: str | None = None,
) -> None:
    """One name: emit its answer. '-': a batch from stdin, one result per name, misses included."""
    conn = connection(ctx)
    if name != "-":
        emit(lookup(conn, name), fmt, view=view)
        return
    from nmref.batch import BadLine, error_record, stdin_names  # only a batch reads stdin

    missed = False

    def results() -> Iterator[Payload]:
        nonlocal missed
        for each in stdin_names():
            if isinstance(each, BadLine):
                missed = True
                yield error_record(each.shown, each.code, each.message, [])
                continue
            try:
                yield lookup(conn, each)
            except NotFound as error:
                missed = True
                yield error_record(each, "not_found", error.message, error.suggestions)

    emit_stream(results(), fmt, view=view)
    if missed:
        raise typer.Exit(ExitCode.NOT_FOUND)


@app.command()
def show(
    ctx: typer.Context,
    name: NameArgument,
    brief: Annotated[
        bool, typer.Option("--brief", "-b", help="Only the summary: identity and the key safety facts.")
    ] = False,
    fmt: FormatOption = OutputFormat.text,
    as_json: JsonOption = False,
) -> None:
    """The monograph, safety first: a summary, then every section with its quotes and sources.

    The summary gives identity, dispensing and sport status and the key safety facts; then come
    indications, contraindications, warnings, special populations, interactions, adverse
    effects, dosing (verbatim), overdose, forms, analogues and sources. Label and article facts
    are headed apart; caveats stand beside the facts they qualify.

    Examples: nmref show ceraxon; nmref show Цераксон --brief; nmref show mildronate --json"""
    chosen = pick_format(fmt, as_json)
    if brief and chosen is not OutputFormat.text:
        raise typer.BadParameter(
            "--brief shortens the text view; JSON always holds the whole monograph", param_hint="--brief"
        )
    answer(ctx, name, chosen, query.monograph, view="show-brief" if brief else None)


def section_command(section: str, summary: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context, name: NameArgument, fmt: FormatOption = OutputFormat.text, as_json: JsonOption = False
    ) -> None:
        answer(ctx, name, pick_format(fmt, as_json), lambda conn, each: query.section(conn, each, section))

    name = query.SECTION_COMMANDS.get(section, section)
    command.__doc__ = f"{summary}\n\n    Example: nmref {name} ceraxon; nmref {name} --json - < names.txt"
    return command


app.command("indications")(section_command("indications", "What the sources say a drug is used for."))
app.command("contraindications")(
    section_command(
        "contraindications", "When the sources say a drug must not (absolute) or only cautiously (relative) be used."
    )
)
adverse_effects = section_command("adverse_effects", "Adverse effects, with the frequency words the source gives.")
app.command("adverse-effects")(adverse_effects)
app.command("side-effects", help="Alias of adverse-effects.")(adverse_effects)
app.command("interactions")(
    section_command("interactions", "Interactions the sources state, with the other drug or ingredient.")
)
app.command("dosing")(
    section_command(
        "label_dosing",
        "Where each official label gives its dosing (page and section, never the dose), and the articles' "
        "dosing verbatim with its source; nmref never calculates a dose.",
    )
)


@app.command("class")
def class_(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Class name, e.g. antioxidants, anticoagulants, neuroprotectors.", autocompletion=complete_class
        ),
    ],
    fmt: FormatOption = OutputFormat.text,
    as_json: JsonOption = False,
) -> None:
    """The drugs of a class and of its subclasses (case and plural forgiven).

    Example: nmref class antioxidants; nmref class 'CYP2C19 inhibitors' --json"""
    emit(query.class_members(connection(ctx), name), pick_format(fmt, as_json))


@app.command()
def classes(ctx: typer.Context, fmt: FormatOption = OutputFormat.text, as_json: JsonOption = False) -> None:
    """The class tree, with how many drugs each class (and its subclasses) holds.

    Example: nmref classes"""
    emit(query.class_tree(connection(ctx)), pick_format(fmt, as_json))


@app.command()
def drugs(
    ctx: typer.Context,
    class_name: Annotated[str | None, typer.Option("--class", "-c", help="Only drugs of this class.")] = None,
    fmt: FormatOption = OutputFormat.text,
    as_json: JsonOption = False,
) -> None:
    """Every drug, one name per line (pipeable).

    Example: nmref drugs | grep -i vin; nmref drugs --class anticoagulants"""
    emit(query.list_drugs(connection(ctx), class_name), pick_format(fmt, as_json))


@app.command()
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Words to find in any fact or quote; searched as plain text.")],
    fmt: FormatOption = OutputFormat.text,
    as_json: JsonOption = False,
) -> None:
    """Full-text search over every fact: drug, section, and the matching quote.

    Example: nmref search Quincke; nmref search 'heart attack' --json"""
    emit(query.search(connection(ctx), text), pick_format(fmt, as_json))


@app.command()
def sources(
    ctx: typer.Context,
    stale: Annotated[
        bool, typer.Option("--stale", help="Also list the label facts that rest only on undated label versions.")
    ] = False,
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            metavar="DATE",
            help="With --stale: also the facts whose dated label versions are all older than DATE (YYYY-MM-DD).",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.text,
    as_json: JsonOption = False,
) -> None:
    """The source documents, cited pages (with their grade) and label versions (with their date).

    Examples: nmref sources --json | jq '.sources[] | select(.kind == "label-notes")';
    nmref sources --stale --before 2020-01-01"""
    if before is not None and not re.fullmatch(r"[12]\d{3}(-[01]\d(-[0-3]\d)?)?", before):
        raise typer.BadParameter(
            f"{printable(before, one_line=True)[:40]!r} is not a date: YYYY-MM-DD", param_hint="--before"
        )
    emit(query.list_sources(connection(ctx), stale or before is not None, before), pick_format(fmt, as_json))


@app.command()
def check(
    ctx: typer.Context,
    names: Annotated[
        list[str],
        typer.Argument(help="Drug or substance names (two or more without --condition).", autocompletion=complete_drug),
    ],
    conditions: Annotated[
        list[str] | None,
        typer.Option(
            "--condition",
            help="A patient's condition, in English or Russian or as an ICD-10 code (epilepsy, эпилепсия, G40); "
            "repeat for several.",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.text,
    as_json: JsonOption = False,
) -> None:
    """The check card: one verdict per pair, and per drug with a condition, strictest first.

    Each verdict gives the strictest level any label or article states, where it comes from,
    the other sources' levels (and whether the labels disagree), what to do, and the evidence:
    interactions (direct, through an ingredient or through a class a label names), duplicate
    therapy, caveats, sport status, and the contraindications and cautions of a condition.
    Co-medications resolve by INN, brand or Russian name. No finding is not evidence of safety.

    Examples: nmref check warfarin aspirin; nmref check plavix omeprazole;
    nmref check cerebrolysin --condition G40"""
    if len(names) < 2 and not conditions:
        raise typer.BadParameter("name at least two drugs to check, or give --condition", param_hint="NAMES")
    emit(query.check(connection(ctx), names, conditions), pick_format(fmt, as_json))


@app.command("for")
def for_(
    ctx: typer.Context,
    condition: Annotated[
        list[str],
        typer.Argument(help="A condition in English or Russian, or an ICD-10 code or block (stroke, инсульт, I63)."),
    ],
    fmt: FormatOption = OutputFormat.text,
    as_json: JsonOption = False,
) -> None:
    """Drugs the labels and articles give for a condition: label indications first, claimed effects apart.

    Example: nmref for stroke; nmref for инсульт; nmref for I63 --json"""
    emit(query.for_condition(connection(ctx), " ".join(condition)), pick_format(fmt, as_json))


@app.command()
def compare(
    ctx: typer.Context,
    names: Annotated[list[str], typer.Argument(help="Two or three drug names.", autocompletion=complete_drug)],
    fmt: FormatOption = OutputFormat.text,
    as_json: JsonOption = False,
) -> None:
    """Two or three drugs side by side, section by section.

    Columns on a wide terminal, one drug after another on a narrow one or in a pipe; each fact
    is marked label or article and cited.

    Example: nmref compare ceraxon cerebrolysin; nmref compare piracetam vinpocetine cinnarizine"""
    if not 2 <= len(names) <= 3:
        raise typer.BadParameter("compare two or three drugs", param_hint="NAMES")
    emit(query.compare(connection(ctx), names), pick_format(fmt, as_json))


def complete_schema(incomplete: str) -> list[str]:
    from nmref import schemas

    return [name for name in schemas.names() if name.startswith(incomplete.casefold())]


@app.command()
def schema(
    name: Annotated[str, typer.Argument(help="A command (show, check, ...) or defs.", autocompletion=complete_schema)],
    record: Annotated[
        bool, typer.Option("--record", help="The schema of one line of the command's --format ndjson.")
    ] = False,
) -> None:
    """The JSON Schema of a command's --json output, standalone (definitions included).

    Examples: nmref schema show > show.schema.json; nmref schema drugs --record"""
    from nmref import schemas

    wanted = {"side-effects": "adverse-effects"}.get(name, name)
    if wanted not in schemas.names():
        known = ", ".join(schemas.names())
        raise typer.BadParameter(f"no schema named {quoted(name)}; there are: {known}")
    if record and wanted not in schemas.RECORD_LISTS:
        lists = ", ".join(sorted(schemas.RECORD_LISTS))
        raise typer.BadParameter(f"{wanted} has no NDJSON records; the list commands are: {lists}")
    emit_document(schemas.record(wanted) if record else schemas.standalone(wanted))


@app.command()
def mcp(ctx: typer.Context) -> None:
    """nmref for assistants: a Model Context Protocol server on stdin and stdout.

    Needs the mcp extra: pip install 'nmref[mcp]'. Tools: show, section, check, for, search,
    compare, sources; each answers with the same JSON document as the command's --json.
    Register it with an MCP client as the command `nmref mcp`.

    Example: nmref mcp"""
    try:
        from nmref import assistant
    except ImportError:
        fail("nmref mcp needs the mcp extra: pip install 'nmref[mcp]'", ExitCode.USAGE)
    path = query.database_path(ctx.find_root().ensure_object(dict).get("db"))
    query.connect(path)  # a missing or damaged database: one line and exit 3 before serving
    assistant.serve(path)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (only this machine unless told).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8001,
    allow_sql: Annotated[
        bool, typer.Option("--allow-sql", help="Let visitors run their own read-only SQL (off by default).")
    ] = False,
    with_mcp: Annotated[
        bool, typer.Option("--mcp", help="Also answer MCP clients at /-/mcp (needs the mcp extra).")
    ] = False,
) -> None:
    """The reference as web pages for a team: Datasette with nmref's pages, read-only.

    Needs the web extra: pip install 'nmref[web]'. Pages: /-/nmref (drugs, search),
    /-/nmref/drug/NAME, /-/nmref/check?drug=A&drug=B, /-/nmref/for?condition=X,
    /-/nmref/class/NAME, /-/nmref/search?q=X; add .json for the CLI's JSON. With --mcp, the
    tools of `nmref mcp` for an assistant's MCP client at /-/mcp (streamable HTTP).

    Example: nmref serve; nmref serve --port 8080; nmref serve --mcp"""
    if not host.strip():
        # An empty host (--host "$HOST" with HOST unset) would listen on every interface.
        raise typer.BadParameter(
            "give an address to listen on, e.g. 127.0.0.1 (this machine only)", param_hint="--host"
        )
    try:
        from nmref import web
    except ImportError:
        fail("nmref serve needs the web extra: pip install 'nmref[web]'", ExitCode.USAGE)
    if with_mcp and importlib.util.find_spec("mcp") is None:
        fail("nmref serve --mcp needs the mcp extra: pip install 'nmref[web,mcp]'", ExitCode.USAGE)
    path = query.database_path(ctx.find_root().ensure_object(dict).get("db"))
    query.connect(path)  # a missing or damaged database: one line and exit 3 before serving
    address = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    tools = f" and MCP tools at {address}{web.MCP_PATH}" if with_mcp else ""
    web.serve(
        str(path.resolve()),
        host,
        port,
        allow_sql,
        listening=lambda: say(f"serving nmref's pages at {address}{web.PREFIX}/{tools} (Ctrl-C stops it)"),
        assistant=with_mcp,
    )


@app.command()
def analogues(
    ctx: typer.Context, name: NameArgument, fmt: FormatOption = OutputFormat.text, as_json: JsonOption = False
) -> None:
    """The analogues a source lists for a drug, by dosage form, with ingredient and warnings.

    An analogue is not an equivalent: each is shown with its active ingredient (or "unknown")
    and a warning where it interacts with the drug.

    Example: nmref analogues ceraxon"""
    answer(ctx, name, pick_format(fmt, as_json), query.analogues)
