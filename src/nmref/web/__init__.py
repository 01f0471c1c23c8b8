"""nmref's pages in Datasette: another renderer over the query layer (`nmref serve`).

A Datasette plugin (registered by the `datasette` entry point) adds one route per page. Each
page calls the same query function as the CLI command it mirrors and hands its dict to a
template; `.json` on a page's path gives that dict as the CLI's JSON (the same document and
schema). The database is served immutable; no page writes, takes a weight, age or number.

Every refusal is quick and says why: a request beyond a bound (nmref.bounds) is a 400, an
unknown name or a path no route matches a 404, a method other than GET or HEAD a 405, a
damaged database a 503; JSON pages answer `{"error": {"status", "message", "suggestions"}}`.
No error prints a traceback, and no answer shows where the database is.
"""

import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from datasette import hookimpl
from datasette.utils.asgi import Base400, Response
from datasette.views.base import DatasetteError

from nmref import bounds, query
from nmref.bounds import MAX_TEXT
from nmref.errors import ExitCode, NmrefError, NotFound
from nmref.reading import one_per_statement, summary
from nmref.render import document

PREFIX = "/-/nmref"
# Where `nmref serve --mcp` answers MCP clients (streamable HTTP, one JSON response a call).
MCP_PATH = "/-/mcp"
# The only methods a read-only reference answers.
METHODS = ("GET", "HEAD")
# Seconds a client has to send a request's headers, from its connection or its first byte.
HEADER_TIMEOUT = 10
# What a page says for a damaged or unreadable database (the CLI's exit 3), without its path.
DAMAGED = "the database is damaged or unreadable; the server's database needs replacing"
# Only these schemes become links on a page; any other URL is shown as text.
LINK_SCHEMES = ("http", "https")


class BadRequest(Exception):
    """A page asked with parameters it cannot answer: a 400 page, never a 500."""


def database_path(datasette) -> str:
    """The served database's file (Datasette's own record of it, never shown to visitors)."""
    served = [db for name, db in datasette.databases.items() if not name.startswith("_") and db.path]
    return served[0].path if served else str(query.BUNDLED_DATABASE)


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
    # Repeats collapse before anything is counted: condition=epilepsy&condition=Epilepsy is one.
    names = bounds.distinct(request.args.getlist("drug"))
    conditions = bounds.distinct(request.args.getlist("condition"))
    if not names and not conditions and request.url_vars.get("format") != "json":
        return None  # the empty form
    # query.check counts them against the bounds, as it does for the command line.
    if any(len(text) > MAX_TEXT for text in [*names, *conditions]):
        raise BadRequest(f"a drug or condition is at most {MAX_TEXT} characters")
    if not names or (len(names) < 2 and not conditions):
        raise BadRequest("name at least two drugs, or one drug and a condition")
    return query.check(connection(datasette), names, conditions)


def for_payload(datasette, request) -> dict[str, Any]:
    return query.for_condition(connection(datasette), text_parameter(request, "condition"))


def class_payload(datasette, request) -> dict[str, Any]:
    return query.class_members(connection(datasette), path_name(request))


def search_payload(datasette, request) -> dict[str, Any]:
    return query.search(connection(datasette), text_parameter(request, "q"))


def index_payload(datasette, request) -> dict[str, Any]:
    return query.list_drugs(connection(datasette))


def listed_page(request, count: int) -> tuple[int, int]:
    """The page of a long list asked for (`?page=N`, from 1) and how many pages there are:
    a page lists at most bounds.MAX_LISTED names, so no list blocks the server."""
    pages = max(1, -(-count // bounds.MAX_LISTED))
    asked = request.args.get("page", "1").strip()
    if not asked.isascii() or not asked.isdigit() or len(asked) > 9:
        raise BadRequest("page is a page number: 1, 2, ...")
    if not 1 <= int(asked) <= pages:
        raise NotFound("page", asked, [])
    return int(asked), pages


def check_json_url(payload: dict[str, Any]) -> str:
    """The check page's own JSON: every drug and every condition it was asked with."""
    parameters = [("drug", drug["matched"]["query"]) for drug in payload["drugs"]]
    parameters += [("condition", condition["query"]) for condition in payload["conditions"]]
    return f"{PREFIX}/check.json?{urlencode(parameters)}"


PAGES = {
    "drug": ("nmref_drug.html", drug_payload),
    "check": ("nmref_check.html", check_payload),
    "for": ("nmref_for.html", for_payload),
    "class": ("nmref_class.html", class_payload),
    "search": ("nmref_search.html", search_payload),
    "index": ("nmref_index.html", index_payload),
}


class CannotListen(NmrefError):
    """`serve` could not listen on the address: the port is in use, the address is not this
    machine's, or the host is not known."""

    exit_code = ExitCode.LISTEN


def listening_socket(host: str, port: int):
    """A socket bound to host:port, or CannotListen saying why not, in one line."""
    import socket

    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, protocol, _, address = found[0]
        listener = socket.socket(family, kind, protocol)
    except OSError as error:
        raise CannotListen(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(128)
    except OSError as error:
        listener.close()
        reason = "address already in use" if error.errno == 98 else error.strerror or str(error)
        raise CannotListen(f"cannot listen on {host}:{port}: {reason}") from None
    listener.set_inheritable(True)
    return listener


def bounded_protocol():
    """uvicorn's HTTP/1.1 protocol with a deadline on a request's headers: uvicorn itself waits
    for ever on a client that connects and never finishes them, holding its place."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderDeadline(H11Protocol):
        deadline = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self.watch_headers()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self.watch_headers()

        def on_response_complete(self) -> None:
            super().on_response_complete()  # an idle keep-alive connection: uvicorn's own timeout
            self.stop_watching()

        def watch_headers(self) -> None:
            if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
                self.stop_watching()
            elif self.deadline is None and self.timeout_keep_alive_task is None:
                self.deadline = self.loop.call_later(HEADER_TIMEOUT, self.headers_too_slow)

        def stop_watching(self) -> None:
            if self.deadline is not None:
                self.deadline.cancel()
                self.deadline = None

        def headers_too_slow(self) -> None:
            self.deadline = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

        def connection_lost(self, exc) -> None:
            self.stop_watching()
            super().connection_lost(exc)

    return HeaderDeadline


def serve(
    path: str,
    host: str,
    port: int,
    allow_sql: bool,
    listening: Callable[[], None] = lambda: None,
    assistant: bool = False,
) -> None:
    """Run Datasette on the database, immutable, with nmref's pages (and with `assistant`, the
    MCP tools at MCP_PATH); until interrupted.

    Listens first, so that a port in use is one line (CannotListen) before anything starts."""
    import uvicorn
    from datasette.app import Datasette

    listener = listening_socket(host, port)
    listening()  # the caller says where the pages are, now that they can be reached
    settings = metadata(path, allow_sql)
    if assistant:
        settings["plugins"] = {"nmref": {"mcp_host": host}}
    datasette = Datasette(
        immutables=[path],
        metadata=settings,
        settings={"default_allow_sql": allow_sql},
    )
    config = uvicorn.Config(datasette.app(), http=bounded_protocol(), log_level="warning", timeout_keep_alive=5)
    uvicorn.Server(config).run(sockets=[listener])


def metadata(path: str, allow_sql: bool) -> dict[str, Any]:
    """Datasette's metadata for the nmref database: what it is, where its facts come from, what
    its columns mean, and canned queries for the common questions. (It names no path:
    /-/metadata.json shows it to every visitor.)"""
    described = "Every fact names its source document and the line of its verbatim quote."
    return {
        "title": "nmref",
        "description": query.NOTICE + " nmref never calculates a dose. " + described,
        "source": "Four promotional web articles and checked notes on official labels (see the sources table)",
        "license": "Quotes of third-party texts for reference; label facts restated in nmref's own words",
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
                        # One row per caveat, with every drug it is shown under (article and label side).
                        "sql": "select c.id, c.text, group_concat(distinct l.drug_id) as drugs, c.quote, "
                        "c.source_id, c.line, c.citations from caveats c join caveat_links l "
                        "on l.caveat_id = c.id where c.kind = 'contradicts-label' group by c.id order by c.id",
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
            if as_json:
                return Response.json(document(payload))
            context = {"payload": payload, "request_args": request.args, "notice": query.NOTICE}
            if name == "drug":
                context["summary"] = summary(payload)
            if name == "check":
                # The form's completion list: the first names, canonical ones first, never all.
                context["names"] = query.complete_drug_names(connection(datasette), "", limit=bounds.MAX_LISTED)
                context["json_url"] = check_json_url(payload) if payload else None
            if name == "index":
                number, pages = listed_page(request, len(payload["drugs"]))
                start = (number - 1) * bounds.MAX_LISTED
                context.update(listed=payload["drugs"][start : start + bounds.MAX_LISTED], page=number, pages=pages)
            html = await datasette.render_template(template, context, request=request)
            return Response.html(html)
        except BadRequest as error:
            return await problem(datasette, request, 400, str(error), as_json)
        except NotFound as error:
            return await problem(datasette, request, 404, error.message, as_json, error.suggestions)
        except NmrefError as error:
            status = STATUS.get(error.exit_code, 404)
            return await problem(datasette, request, status, DAMAGED if status == 503 else error.message, as_json)
        except sqlite3.DatabaseError:
            return await problem(datasette, request, 503, DAMAGED, as_json)

    return view


# The status of a page for each exit code the CLI would give (others: 404, nothing found).
STATUS = {ExitCode.USAGE: 400, ExitCode.DATABASE: 503}


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


async def error_response(datasette, request, status: int, message: str) -> Response:
    """An error outside nmref's pages: nmref's JSON error shape on nmref's paths, Datasette's
    own on Datasette's JSON; an HTML page with the notice elsewhere."""
    path = request.path
    as_json = path.endswith(".json")
    if path.startswith(PREFIX) or not as_json:
        return await problem(datasette, request, status, message, as_json)
    return Response.json({"ok": False, "error": message, "status": status, "title": None}, status=status)


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    """Datasette's errors without its rich traceback of local variables (about 0.3 s and 18 KB
    of server output for every 404), and a damaged database as a 503 rather than a 500.

    nmref's pages answer in nmref's JSON error shape; Datasette's own views keep theirs."""

    async def answer() -> Response:
        path = request.path
        if isinstance(exception, Base400):
            status, message = exception.status, str(exception.args[0] if exception.args else "")
        elif isinstance(exception, DatasetteError):
            status, message = exception.status, exception.message
        elif isinstance(exception, sqlite3.DatabaseError):
            status, message = 503, DAMAGED
        else:  # a fault of nmref's or Datasette's: one line in the server's output, not the locals
            status, message = 500, "the server failed to answer this request"
            sys.stderr.write(f"nmref serve: {request.method} {path}: {type(exception).__name__}: {exception}\n")
        return await error_response(datasette, request, status, message or str(status))

    return answer


@hookimpl
def asgi_wrapper(datasette):
    """Around all of Datasette: with `nmref serve --mcp`, MCP_PATH goes to the MCP tools (which
    start and stop with the server's lifespan), and is the only path that takes a POST; a
    read-only reference answers GET and HEAD, any other method
    (TRACE, PROPFIND, a POST to a table) is a 405 before Datasette sees it; and a damaged
    database met outside any view (Datasette counts each table on the first request) is a 503."""

    def wrap(app):
        assistant_host = (datasette.plugin_config("nmref") or {}).get("mcp_host")
        tools = None  # the MCP tools, started with the server when asked for (--mcp)

        async def guarded(scope, receive, send):
            nonlocal tools
            if scope["type"] == "lifespan" and assistant_host:
                from nmref import assistant

                tools = assistant.over_http(Path(database_path(datasette)), assistant_host, MCP_PATH)
                async with tools.session_manager.run():
                    await app(scope, receive, send)
                return
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            if assistant_host and scope["path"] == MCP_PATH:
                if tools is None:  # served without a lifespan (a test client): no tools to answer
                    body = {
                        "error": {"status": 503, "message": "the MCP tools start with the server", "suggestions": []}
                    }
                    await Response.json(body, status=503).asgi_send(send)
                else:
                    await tools.session_manager.handle_request(scope, receive, send)
                return
            if scope["method"] not in METHODS:
                body = {"error": {"status": 405, "message": "this server only reads: GET or HEAD", "suggestions": []}}
                await Response.json(body, status=405, headers={"Allow": ", ".join(METHODS)}).asgi_send(send)
                return
            # Datasette's first request counts every table before it starts its templates: on a
            # damaged database the counting fails, and the templates must still be ready.
            await datasette.invoke_startup()
            started = False

            async def watched(message):
                nonlocal started
                started = started or message["type"] == "http.response.start"
                await send(message)

            try:
                await app(scope, receive, watched)
            except sqlite3.DatabaseError:
                if started:
                    raise
                from datasette.utils.asgi import Request

                # (outside Datasette's CSRF layer, so the page's forms get no token)
                request = Request(dict(scope, csrftoken=lambda: ""), receive)
                response = await error_response(datasette, request, 503, DAMAGED)
                await response.asgi_send(send)

        return guarded

    return wrap


@hookimpl
def startup(datasette):
    # Datasette awaits every handle_exception hook, not only the first to answer, and its own
    # draws a rich traceback with local variables for each 404: nmref's (above) replaces it.
    from datasette.plugins import pm

    default = pm.get_plugin("datasette.handle_exception")
    if default is not None:
        pm.unregister(default)


def path_segment(value: Any) -> str:
    """A name as one segment of a page's path: '/' and every other reserved character encoded
    (Jinja's urlencode leaves '/', which would make 'A/B' two segments)."""
    return quote(str(value), safe="")


def is_link(url: Any) -> bool:
    """Whether a URL from the database may be a link: http or https with a host, nothing else
    (a `javascript:` URL is shown as text)."""
    try:
        parts = urlsplit(str(url).strip())
    except ValueError:
        return False
    return parts.scheme.lower() in LINK_SCHEMES and bool(parts.netloc)


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["nmref_segment"] = path_segment
    env.filters["nmref_one_per_statement"] = one_per_statement
    env.tests["nmref_link"] = is_link


def databases_view(datasette):
    """/-/databases: Datasette's list without each database's path on this machine."""
    from datasette.views.special import JsonDataView

    def listed() -> list[dict[str, Any]]:
        hidden = {"path"}
        return [
            {key: value for key, value in entry.items() if key not in hidden}
            for entry in datasette._connected_databases()
        ]

    return JsonDataView.as_view(datasette, "databases.json", listed)


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
        (r"^/-/databases(\.(?P<format>json))?$", databases_view(datasette)),
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
