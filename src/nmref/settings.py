"""How text views are drawn, as the command line sets it (--color, --no-pager).

A module of its own, without imports, so that setting it costs a run nothing; nmref.terminal
reads it when it draws.
"""

from typing import NamedTuple


class Display(NamedTuple):
    """`color` auto, always or never; whether a pager may be used."""

    color: str = "auto"
    pager: bool = True


display = Display()


def configure(color: str = "auto", pager: bool = True) -> None:
    """Set how pages are drawn (the command line's --color and --no-pager)."""
    global display
    display = Display(color, pager)
