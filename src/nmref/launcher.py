"""The console script's entry point: signals are handled before anything else loads."""

from nmref import signals


def main() -> None:
    signals.install()
    from nmref.cli import main as run

    run()
