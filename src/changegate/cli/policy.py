"""`changegate policy show|check`: the effective policy, and validation of a policy file."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from changegate.cli import EXIT_USAGE
from changegate.policy import PolicyError, load_policy

VERBS = {"show": "print the effective policy", "check": "validate a policy file"}
app = typer.Typer(help="Show or validate the policy.", no_args_is_help=True, add_completion=False)


@app.command(help=VERBS["show"])
def show(policy: Path = typer.Option(None, "--policy", "-p", help="policy file (default: the built-in policy)"),
         as_json: bool = typer.Option(False, "--json", help="print the merged policy as JSON")) -> int:
    import msgspec
    import yaml

    try:
        loaded = load_policy(policy)
    except PolicyError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return EXIT_USAGE
    doc = msgspec.to_builtins(loaded.doc)
    if as_json:
        print(msgspec.json.encode(doc).decode())
    elif loaded.doc.extends is None and loaded.text:
        print(loaded.text, end="")
    else:
        print(f"# effective policy: {loaded.source}, merged with the built-in default")
        print(yaml.safe_dump(doc, sort_keys=False, width=110), end="")
    return 0


@app.command(help=VERBS["check"])
def check(path: Path = typer.Argument(..., help="the policy file to validate")) -> int:
    try:
        loaded = load_policy(path)
    except PolicyError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return EXIT_USAGE
    print(f"{path}: OK ({len(loaded.rules)} rules, {len(loaded.doc.freezes)} freezes)")
    return 0
