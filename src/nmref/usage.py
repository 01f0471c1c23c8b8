"""What nmref says about how to use it: the first screen, the exit codes in the help, and where
a misplaced option goes. Plain text, no typer: the command line draws it."""

import re

EXIT_CODES_HELP = (
    "Exit codes: 0 answered; 1 nothing found (unknown drug, class or condition; no match); "
    "2 usage error; 3 database missing or damaged; 69 serve cannot listen; 71 out of memory; 74 output not written; "
    "130 interrupted; 143 terminated."
)


# What `nmref` alone prints: at most 22 lines, so that it fits an 80x24 terminal.
FIRST_SCREEN = """\
Usage: nmref COMMAND [ARGS]... [--json]

Offline reference for neurometabolic drugs: every fact quoted from its source
(promotional articles, official labels in our words); never a computed dose.

Commands most used:
  show NAME           the monograph, safety first (any spelling, INN, Cyrillic)
  check NAME NAME...  the card for drugs taken together, strictest first
  check NAME --condition C   a drug in a condition (English, Russian, ICD-10)
  for CONDITION       which drugs the labels and articles give for a condition
  contraindications NAME, interactions NAME, compare NAME NAME, search WORDS

Examples:
  nmref show ceraxon
  nmref check warfarin aspirin
  nmref check cerebrolysin --condition G40

Every command takes --json for scripts. All commands and options: nmref --help
Help on one command: nmref COMMAND --help
"""


def misplaced_option_hint(error: Exception, arguments: list[str]) -> str:
    """Where an option goes when it was given before the command it belongs to
    (`nmref --json show ceraxon`)."""
    option = getattr(error, "option_name", None)
    command = invoked_command(arguments)
    if not option or command is None or option not in arguments or arguments.index(option) > arguments.index(command):
        return ""
    return f"; options of a command go after it: nmref {command} ... {option}"


def without_possible_options(message: str) -> str:
    """click's "(Possible options: ...)" lists the group's options, which misleads once the
    hint says where the option goes."""
    return re.sub(r" \(Possible options: [^)]*\)", "", message)


def invoked_command(args: list[str]) -> str | None:
    """The subcommand named in `args`, skipping the group's own options."""
    takes_value = {"--db", "--color", "--install-completion", "--show-completion"}
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in takes_value:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None
