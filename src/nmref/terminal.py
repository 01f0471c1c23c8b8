"""Drawing a page of styled lines: plain text for pipes, colour, wrapping and a pager for people.

A view fills a Page with lines of (text, style) spans. Piped, a page is written as plain text,
one line per line, so a quote stays on one line for grep. On a terminal (or with --color
always) each line wraps with a hanging indent under its bullet or opening quote mark, a
citation `[document, line N]` or a URL never breaks, styles become escape codes, and a page
taller than the screen goes through a pager, as git's output does. Nothing here imports rich:
drawing the 1,000 lines of a monograph costs less than importing it (scripts/bench.py, row 10).
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Iterable
from typing import IO, NamedTuple

from nmref import settings

Span = tuple[str, str]  # (text, rich style)

# Text that moves whole to the next line rather than break: a citation and a URL.
# (Compiled on first use by re's cache: a JSON answer never needs them.)
ATOM = r"\[[^\[\]\n]+, line \d+\]|https?://\S+"
# What a wrapped line hangs under: its indent, and a bullet, warning sign or opening quote mark.
HANG = r"\s*(?:[•⚠] |“)?"
DEFAULT_PAGER = "less"
# The widest page nmref draws, whatever COLUMNS says.
MAX_WIDTH = 400
# less: quit when the text fits one screen (-F), keep colour (-R), leave the screen as it is (-X).
DEFAULT_LESS = "FRX"


class Columns(NamedTuple):
    """Cells side by side (one per drug in `compare`), each a list of lines of spans: columns on
    a terminal wide enough, one cell after another elsewhere."""

    cells: list[list[list[Span]]]


# A column narrower than this is hard to read: cells then follow one another.
MIN_COLUMN = 30
COLUMN_GAP = 2


class Page:
    """Lines of styled spans, drawn for a terminal or as plain text."""

    def __init__(self) -> None:
        self.lines: list[list[Span]] = []
        # Caveats already drawn in full on this page: later rows they qualify point back to them.
        self.caveats_shown: set[str] = set()
        # Whether the page ends with the cited pages' URLs, so facts name only their keys.
        self.pages_in_footer = False

    def print(self, *spans: Span | str) -> None:
        self.lines.append(_spans(spans))

    def columns(self, cells: list[list[list[Span | str]]]) -> None:
        self.lines.append(Columns([[_spans(line) for line in cell] for cell in cells]))

    def plain(self) -> str:
        return "".join("".join(text for text, _ in spans) + "\n" for spans in self.stacked())

    def stacked(self) -> list[list[Span]]:
        """Every line, cells of columns one after another."""
        return [line for entry in self.lines for line in (_stack(entry) if isinstance(entry, Columns) else [entry])]

    def draw(self, out: IO[str]) -> None:
        styled = settings.display.color == "always" or (out.isatty() and settings.display.color != "never")
        if not styled and not out.isatty():
            write_safely(out, self.plain())
            return
        text, height = self.render(out, colour=styled)
        if out.isatty() and settings.display.pager and text.count("\n") > height and page_through(text):
            return
        write_safely(out, text)

    def render(self, out: IO[str], colour: bool) -> tuple[str, int]:
        """The page as the terminal shows it (wrapped, with colour codes if `colour`), and the
        screen's height."""
        size = shutil.get_terminal_size()
        styled = Styles(colour_system() if colour else None)
        # A terminal is never this wide; a COLUMNS of 999999 must not make a page of that width.
        width = min(max(size.columns, 20), MAX_WIDTH)
        drawn = []
        for entry in self.lines:
            if isinstance(entry, Columns):
                drawn += side_by_side(entry, width)
            else:
                drawn += wrap(entry, width)
        return "".join("".join(styled(text, style) for text, style in line) + "\n" for line in drawn), size.lines


def _spans(spans: Iterable[Span | str]) -> list[Span]:
    return [span if isinstance(span, tuple) else (span, "") for span in spans]


def _stack(columns: Columns) -> list[list[Span]]:
    return [line for cell in columns.cells for line in cell]


def side_by_side(columns: Columns, width: int) -> list[list[Span]]:
    """Columns as lines of the page: cells wrapped to their column and padded, or stacked when
    the screen is too narrow for them."""
    count = len(columns.cells)
    column = (width - COLUMN_GAP * (count - 1)) // count
    if column < MIN_COLUMN:
        return [wrapped for line in _stack(columns) for wrapped in wrap(line, width)]
    wrapped = [[part for line in cell for part in wrap(line, column)] for cell in columns.cells]
    rows = []
    for row in range(max(map(len, wrapped))):
        spans: list[Span] = []
        for number, cell in enumerate(wrapped):
            line = cell[row] if row < len(cell) else []
            used = sum(span_width(text) for text, _ in line)
            gap = " " * (column - used + COLUMN_GAP) if number < count - 1 else ""
            spans += [*line, (gap, "")]
        rows.append(spans)
    return rows


def span_width(text: str) -> int:
    return len(text) if text.isascii() else sum(cell_width(character) for character in text)


def colour_system() -> str | None:
    """Whether the terminal takes colour (--color, then NO_COLOR, FORCE_COLOR and TERM, the
    conventions rich's Console follows too): None, or "mono" for attributes such as bold with no
    colour (NO_COLOR), or the colour system."""
    if settings.display.color == "never":
        return None
    term = os.environ.get("TERM", "")
    if term in ("dumb", "unknown") and settings.display.color != "always" and not os.environ.get("FORCE_COLOR"):
        return None
    if os.environ.get("NO_COLOR"):
        return "mono"
    if os.environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return "truecolor"
    return "256" if "256" in term else "standard"


# Select Graphic Rendition codes of the styles views use: a style is words from here, such as
# "bold red". Written out rather than asking rich.style, whose import (with rich.color) costs
# more than drawing a whole monograph; the views use no other style.
SGR = {
    "bold": "1",
    "dim": "2",
    "italic": "3",
    "underline": "4",
    "reverse": "7",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}
COLOURS = {"red", "green", "yellow", "blue", "magenta", "cyan"}


class Styles:
    """The escape codes around a span of each style ("mono": attributes such as bold, no colour)."""

    def __init__(self, system: str | None) -> None:
        self.system = system
        self.codes: dict[str, str] = {}

    def __call__(self, text: str, style: str) -> str:
        if not style or self.system is None:
            return text
        if style not in self.codes:
            words = [word for word in style.split() if not (self.system == "mono" and word in COLOURS)]
            self.codes[style] = "\x1b[" + ";".join(SGR[word] for word in words) + "m" if words else ""
        code = self.codes[style]
        return f"{code}{text}\x1b[0m" if code else text


def cell_width(character: str) -> int:
    """Columns a character takes: two for wide East Asian characters, none for combining marks."""
    if unicodedata.combining(character):
        return 0
    return 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1


def wrap(spans: list[Span], width: int) -> list[list[Span]]:
    """A line's spans in lines of at most `width` cells, each continuation indented under the
    line's bullet or opening quote mark; a citation or URL is never broken."""
    plain = "".join(text for text, _ in spans)
    if plain.isascii():
        widths = None
        if len(plain) <= width:
            return [spans]
    else:
        widths = [0]
        for character in plain:
            widths.append(widths[-1] + cell_width(character))
        if widths[-1] <= width:
            return [spans]

    def cells(start: int, end: int) -> int:
        return end - start if widths is None else widths[end] - widths[start]

    hang = re.match(HANG, plain).end()
    if hang > width // 2:
        hang = 0
    atoms = [match.span() for match in re.finditer(ATOM, plain)]
    # Break points: after a run of spaces, never inside an atom.
    breaks = [
        match.end()
        for match in re.finditer(r" +", plain)
        if match.end() < len(plain) and not any(start < match.end() < end for start, end in atoms)
    ]
    cuts, start, room, previous = [], 0, width, None
    for point in [*breaks, len(plain)]:
        end = len(plain[:point].rstrip(" "))
        if cells(start, max(end, start)) > room and previous is not None and previous > start:
            cuts.append((start, previous))
            start, room = previous, width - hang
        previous = point
    cuts.append((start, len(plain)))
    lines = []
    for number, (begin, end) in enumerate(cuts):
        line = slice_spans(spans, begin, len(plain[:end].rstrip(" ")))
        lines.append(line if number == 0 else [(" " * hang, ""), *line])
    return lines


def slice_spans(spans: list[Span], begin: int, end: int) -> list[Span]:
    """The spans covering characters `begin` to `end` of their joined text, styles kept."""
    found, offset = [], 0
    for text, style in spans:
        low, high = max(begin - offset, 0), min(end - offset, len(text))
        if low < high:
            found.append((text[low:high], style))
        offset += len(text)
    return found


def page_through(text: str) -> bool:
    """Show `text` through the pager: NMREF_PAGER, then PAGER, then `less -FRX`. False when
    there is no pager to use (empty, `cat`, not installed), so the caller writes it directly."""
    command = os.environ.get("NMREF_PAGER", os.environ.get("PAGER", DEFAULT_PAGER))
    try:
        argv = shlex.split(command) if command.strip() else []
    except ValueError:
        return False  # a pager command that does not parse (an unmatched quote): write directly
    if not argv or argv == ["cat"]:
        return False
    env = dict(os.environ)
    if os.path.basename(argv[0]) == "less":
        env.setdefault("LESS", DEFAULT_LESS)
    from nmref.signals import ignored_while_paging

    with ignored_while_paging():
        try:
            pager = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
        except OSError:
            return False
        try:
            pager.communicate(text.encode(sys.stdout.encoding or "utf-8", errors="replace"))
        except BrokenPipeError:
            pass  # the reader quit the pager early
        pager.wait()
    return True


def write_safely(out: IO[str], text: str) -> None:
    """Write text in the stream's own encoding, with escapes where it cannot hold a character
    (PYTHONIOENCODING=ascii, a Latin-1 locale) instead of failing."""
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        out.write(text)
    except UnicodeEncodeError:
        out.write(text.encode(encoding, errors="backslashreplace").decode(encoding))
