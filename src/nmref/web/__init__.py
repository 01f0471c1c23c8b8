"""nmref's pages in Datasette: another renderer over the query layer (`nmref serve`).

A Datasette plugin (registered by the `datasette` entry point) adds one route per page. Each
page calls the same query function as the CLI command it mirrors and hands its dict to a
template; `.json` on a page's path gives that dict as the CLI's JSON (the same document and
schema). The database is served immutable; no page writes, takes a weight, age or number.
"""

import sqlite3
from typing import Any
from urllib.parse import unquote

from datasette import hookimpl
from datasette.utils.asgi import Response

from nmref import query
from nmref.errors import ExitCode, NmrefError, NotFound
from nmref.render import document
from nmref.views import summary

PREFIX = "/-/nmref"
# Bounds on what a page reads from a request.
MAX_DRUGS = 10
MAX_TEXT = 200


class BadRequest(Exception):
    """A page asked with parameters it cannot answer: a 400 page, never a 500."""


def database_path(datasette) -> str:
    return (datasette.plugin_config("nmref") or {}).get("db") or str(query.BUNDLED_DATABASE)


_connections: dict[str, sqlite3.Connection] = {}


def connection(datasette) -> sqlite3.Connection:
    """One read-only connection per database, on the server's event-loop thread."""
    path = database_path(datasette)
    if path not in _connections:
        _connections[path] = query.connect(path)
    return _connections[path]


def text_parameter(request, name: str, required: bool = True) -> str:
    value = request.args.get(name, "").strip()
    if required and not value:
        raise BadRequest(f"give {name}")
    if len(value) > MAX_TEXT:
        raise BadRequest(f"{name} is longer than {MAX_TEXT} characters")
    return value


def path_name(request) -> str:
    """The name in a page's path, decoded ('/-/nmref/drug/%D0%A6...' is Цераксон)."""
    name = unquote(request.url_vars["name"])
    if len(name) > MAX_TEXT:
        raise BadRequest(f"a name is at most {MAX_TEXT} characters")
    return name


def drug_payload(datasette, request) -> dict[str, Any]:
    return query.monograph(connection(datasette), path_name(request)).to_dict()


def check_payload(datasette, request) -> dict[str, Any] | None:
    names = [name.strip() for name in request.args.getlist("drug") if name.strip()]
    conditions = [c.strip() for c in request.args.getlist("condition") if c.strip()]
    if not names and not conditions and request.url_vars.get("format") != "json":
        return None  # the empty form
    if not names or (len(names) < 2 and not conditions):
        raise BadRequest("name at least two drugs, or one drug and a condition")
    if len(names) > MAX_DRUGS or any(len(name) > MAX_TEXT for name in [*names, *conditions]):
        raise BadRequest(f"at most {MAX_DRUGS} drugs, each at most {MAX_TEXT} characters")
    return query.check(connection(datasette), names, conditions)


def for_payload(datasette, request) -> dict[str, Any]:
    return query.for_condition(connection(datasette), text_parameter(request, "condition"))


def class_payload(datasette, request) -> dict[str, Any]:
    return query.class_members(connection(datasette), path_name(request))


def search_payload(datasette, request) -> dict[str, Any]:
    return query.search(connection(datasette), text_parameter(request, "q"))


def index_payload(datasette, request) -> dict[str, Any]:
    return query.list_drugs(connection(datasette))


PAGES = {
    "drug": ("nmref_drug.html", drug_payload),
    "check": ("nmref_check.html", check_payload),
    "for": ("nmref_for.html", for_payload),
    "class": ("nmref_class.html", class_payload),
    "search": ("nmref_search.html", search_payload),
    "index": ("nmref_index.html", index_payload),
}


def serve(path: str, host: str, port: int, allow_sql: bool) -> None:
    """Run Datasette on the database, immutable, with nmref's pages; until interrupted."""
    import uvicorn
    from datasette.app import Datasette

    datasette = Datasette(
        immutables=[path],
        metadata=metadata(path, allow_sql),
        settings={"default_allow_sql": allow_sql},
    )
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")


def metadata(path: str, allow_sql: bool) -> dict[str, Any]:
    """Datasette's metadata for the nmref database: what it is, where its facts come from, what
    its columns mean, and canned queries for the common questions."""
    described = "Every fact names its source document and the line of its verbatim quote."
    return {
        "title": "nmref",
        "description": query.NOTICE + " nmref never calculates a dose. " + described,
        "source": "Four promotional web articles and checked notes on official labels (see the sources table)",
        "license": "Quotes of third-party texts for reference; label facts restated in nmref's own words",
        "plugins": {"nmref": {"db": path}},
        "databases": {
            "nmref": {
                "description": query.NOTICE + " nmref never calculates a dose. " + described,
                "source": "Four promotional web articles and checked notes on official labels",
                "tables": {
                    "facts": {
                        "description": "Every fact's wording and verbatim quote, searchable (full text).",
                        "columns": {
                            "section": "The table the fact comes from",
                            "fact_id": "The fact's id in that table",
                            "drug_id": "The drug it is about",
                            "text": "Our short wording of the fact",
                            "quote": "The source's words, verbatim",
                        },
                    },
                    "contraindications": {
                        "columns": {
                            "severity": "absolute, or relative (the 'with caution' list)",
                            "source_id": "Where the quote stands: an article, or the label notes",
                            "citations": "Keys of the public pages a label fact was read on",
                        }
                    },
                    "interactions": {
                        "columns": {
                            "category": "A person's reading of the source's wording",
                            "label_words": "The label's own severity words",
                            "other_class_id": "A class the rule names: it reaches every member",
                        }
                    },
                },
                "queries": {
                    "contraindications_of": {
                        "title": "Contraindications of a drug, label and article",
                        "sql": "select c.text, c.severity, s.kind as evidence, c.quote, c.source_id, c.line "
                        "from contraindications c join sources s on s.id = c.source_id "
                        "join drug_names n on n.drug_id = c.drug_id where n.name = :drug order by s.kind",
                    },
                    "label_contradictions": {
                        "title": "Where an article contradicts an official label",
                        "sql": "select c.id, c.text, l.drug_id from caveats c join caveat_links l "
                        "on l.caveat_id = c.id where c.kind = 'contradicts-label' group by c.id",
                    },
                    "interactions_naming": {
                        "title": "Interactions whose other party is a drug or class",
                        "sql": "select i.drug_id as stated_for, i.other_name, i.category, i.label_words, i.text "
                        "from interactions i where i.other_drug_id = :other or i.other_class_id = :other",
                    },
                },
            }
        },
    }


def page(name: str):
    template, payload_of = PAGES[name]

    async def view(datasette, request):
        as_json = request.url_vars.get("format") == "json"
        try:
            payload = payload_of(datasette, request)
        except BadRequest as error:
            return await problem(datasette, request, 400, str(error), as_json)
        except NotFound as error:
            return await problem(datasette, request, 404, error.message, as_json, error.suggestions)
        except NmrefError as error:
            status = {ExitCode.DATABASE: 503, ExitCode.USAGE: 400}.get(error.exit_code, 404)
            return await problem(datasette, request, status, error.message, as_json)
        except sqlite3.DatabaseError:
            # A damaged database behind a page: the CLI's exit 3, as a 503 in the same shape.
            return await problem(datasette, request, 503, "the database is damaged or unreadable", as_json)
        if as_json:
            return Response.json(document(payload))
        context = {"payload": payload, "request_args": request.args, "notice": query.NOTICE}
        if name == "drug":
            context["summary"] = summary(payload)
        if name == "check":
            context["names"] = [row[0] for row in connection(datasette).execute("SELECT name FROM drug_names")]
        html = await datasette.render_template(template, context, request=request)
        return Response.html(html)

    return view


async def problem(datasette, request, status: int, message: str, as_json: bool, suggestions=()) -> Response:
    if as_json:
        body = {"error": {"status": status, "message": message, "suggestions": list(suggestions)}}
        return Response.json(body, status=status)
    html = await datasette.render_template(
        "nmref_error.html",
        {"status": status, "message": message, "suggestions": list(suggestions), "notice": query.NOTICE},
        request=request,
    )
    return Response.html(html, status=status)


async def home(datasette, request):
    return Response.redirect(datasette.urls.path(PREFIX) + "/")


@hookimpl
def register_routes(datasette):
    formats = r"(\.(?P<format>json))?"
    return [
        # The site opens on nmref's own index; Datasette's tables stay one link away.
        (r"^/$", home),
        (rf"^{PREFIX}/?$", page("index")),
        (rf"^{PREFIX}/drug/(?P<name>[^/]+?){formats}$", page("drug")),
        (rf"^{PREFIX}/check{formats}$", page("check")),
        (rf"^{PREFIX}/for{formats}$", page("for")),
        (rf"^{PREFIX}/class/(?P<name>[^/]+?){formats}$", page("class")),
        (rf"^{PREFIX}/search{formats}$", page("search")),
    ]


@hookimpl
def menu_links(datasette, actor):
    return [{"href": datasette.urls.path(PREFIX), "label": "nmref: drugs, check, search"}]


@hookimpl
def extra_template_vars(datasette):
    # The database's name is its file's stem ("nmref" for the bundled one).
    served = [name for name in datasette.databases if not name.startswith("_")]
    sources = datasette.urls.table(served[0], "sources") if served else datasette.urls.instance()
    tables = datasette.urls.database(served[0]) if served else datasette.urls.instance()
    return {
        "nmref_prefix": datasette.urls.path(PREFIX),
        "nmref_notice": query.NOTICE,
        "nmref_sources": sources,
        "nmref_tables": tables,
    }
