"""Drawing a page of styled lines: plain text for pipes, colour, wrapping and a pager for people.

A view fills a Page with lines of (text, style) spans. Piped, a page is written as plain text,
one line per line, so a quote stays on one line for grep, and rich is never imported. On a
terminal (or with --color always) rich draws it: each line wraps with a hanging indent under
its bullet or opening quote mark, and a citation `[document, line N]` or a URL never breaks; a
page taller than the screen goes through a pager, as git's output does.
"""

import os
import re
import shlex
import subprocess
import sys
from typing import IO, NamedTuple

Span = tuple[str, str]  # (text, rich style)

# Text that moves whole to the next line rather than break: a citation and a URL.
ATOM = re.compile(r"\[[^\[\]\n]+, line \d+\]|https?://\S+")
# What a wrapped line hangs under: its indent, and a bullet, warning sign or opening quote mark.
HANG = re.compile(r"\s*(?:[•⚠] |“)?")
DEFAULT_PAGER = "less"
# less: quit when the text fits one screen (-F), keep colour (-R), leave the screen as it is (-X).
DEFAULT_LESS = "FRX"


class Display(NamedTuple):
    """How pages are drawn: `color` auto, always or never; whether a pager may be used."""

    color: str = "auto"
    pager: bool = True


display = Display()


def configure(color: str = "auto", pager: bool = True) -> None:
    """Set how pages are drawn (the command line's --color and --no-pager)."""
    global display
    display = Display(color, pager)


class Page:
    """Lines of styled spans, drawn with rich on a terminal and as plain text elsewhere."""

    def __init__(self) -> None:
        self.lines: list[list[Span]] = []
        # Caveats already drawn in full on this page: later rows they qualify point back to them.
        self.caveats_shown: set[str] = set()

    def print(self, *spans: Span | str) -> None:
        self.lines.append([span if isinstance(span, tuple) else (span, "") for span in spans])

    def plain(self) -> str:
        return "".join("".join(text for text, _ in spans) + "\n" for spans in self.lines)

    def draw(self, out: IO[str]) -> None:
        styled = display.color == "always" or (out.isatty() and display.color != "never")
        if not styled and not out.isatty():
            write_safely(out, self.plain())
            return
        text, height = self.render(out, colour=styled)
        if out.isatty() and display.pager and text.count("\n") > height and page_through(text):
            return
        write_safely(out, text)

    def render(self, out: IO[str], colour: bool) -> tuple[str, int]:
        """The page as the terminal shows it (wrapped, with colour codes if `colour`), and the
        screen's height."""
        from rich.console import Console
        from rich.text import Text

        # highlight=False: rich would otherwise colour numbers and words inside quotes. Colour
        # follows --color, then NO_COLOR and FORCE_COLOR, which rich reads itself.
        console = Console(
            file=out,
            highlight=False,
            emoji=False,
            force_terminal=True if display.color == "always" else None,
            no_color=True if display.color == "never" else None,
        )
        width = max(console.width, 20)
        with console.capture() as captured:
            for spans in self.lines:
                for line in wrap(Text.assemble(*spans), width):
                    console.print(line, no_wrap=True, overflow="ignore", crop=False)
        return captured.get(), console.height


def wrap(text, width: int) -> list:
    """`text` (a rich Text) in lines of at most `width` cells, each continuation indented under
    the line's bullet or opening quote mark; a citation or URL is never broken."""
    from rich.cells import cell_len
    from rich.text import Text

    plain = text.plain
    if cell_len(plain) <= width:
        return [text]
    hang = HANG.match(plain).end()
    if hang > width // 2:
        hang = 0
    atoms = [match.span() for match in ATOM.finditer(plain)]
    # Break points: after a run of spaces, never inside an atom.
    breaks = [
        match.end()
        for match in re.finditer(r" +", plain)
        if match.end() < len(plain) and not any(start < match.end() < end for start, end in atoms)
    ]
    lines, start, room = [], 0, width
    previous = None
    for point in [*breaks, len(plain)]:
        if cell_len(plain[start:point].rstrip()) > room and previous is not None and previous > start:
            lines.append((start, previous))
            start, room = previous, width - hang
        previous = point
    lines.append((start, len(plain)))
    result = []
    for number, (begin, end) in enumerate(lines):
        line = text[begin:end]
        line.rstrip()
        result.append(line if number == 0 else Text.assemble(" " * hang, line))
    return result


def page_through(text: str) -> bool:
    """Show `text` through the pager: NMREF_PAGER, then PAGER, then `less -FRX`. False when
    there is no pager to use (empty, `cat`, not installed), so the caller writes it directly."""
    command = os.environ.get("NMREF_PAGER", os.environ.get("PAGER", DEFAULT_PAGER))
    argv = shlex.split(command) if command.strip() else []
    if not argv or argv == ["cat"]:
        return False
    env = dict(os.environ)
    if os.path.basename(argv[0]) == "less":
        env.setdefault("LESS", DEFAULT_LESS)
    try:
        pager = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    try:
        pager.communicate(text.encode(sys.stdout.encoding or "utf-8", errors="replace"))
    except (BrokenPipeError, KeyboardInterrupt):
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
