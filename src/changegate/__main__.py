"""`changegate` and `python -m changegate`.

Hot paths (`hook`, every agent tool call) are dispatched before the CLI framework is imported: Typer and
Rich cost more start-up time than the whole decision.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["hook"]:
        # before Typer and Rich are imported: the hook runs on every agent tool call
        from changegate.integrations.hook import main as hook_main

        return int(hook_main(args[1:]))
    from changegate.cli import run  # Typer: for everything but the hook

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
