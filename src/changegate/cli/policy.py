"""`changegate policy show|check`: the effective policy, and validation of a policy file."""

from __future__ import annotations

import sys
import tempfile
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


MAX_STDIN_BYTES = 4 * 1024 * 1024  # a policy is a few KiB; more from a pipe is a mistake, refused


@app.command(help=VERBS["check"])
def check(path: str = typer.Argument(..., help="the policy file to validate, or - for stdin")) -> int:
    """Validate a policy file (`changegate policy show | changegate policy check -`). Exit 0 valid, 2 not."""
    if path != "-":
        return report(path, Path(path))
    data = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        print(f"<stdin>: larger than {MAX_STDIN_BYTES // 1024 // 1024} MiB: not a policy", file=sys.stderr)
        return EXIT_USAGE
    # the loader reads files (and caches by path): the text goes to a private temporary file named for stdin
    with tempfile.TemporaryDirectory(prefix="changegate-policy-") as directory:
        copy = Path(directory) / "stdin.yaml"
        copy.write_bytes(data)
        return report("<stdin>", copy)


def report(name: str, path: Path) -> int:
    try:
        loaded = load_policy(path)
    except PolicyError as exc:
        print("\n".join(problem.replace(str(path), name) for problem in exc.problems), file=sys.stderr)
        return EXIT_USAGE
    print(f"{name}: OK ({len(loaded.rules)} rules, {len(loaded.doc.freezes)} freezes)")
    return 0
