"""`changegate trust PROGRAM`: a person vouches for a project's own tool in a policy file — its runs become
ordinary work where their arguments point. The file keeps its comments; the change is validated and audited.
An agent running this command is denied (commands/gate/changegate.py)."""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

from changegate.cli import EXIT_USAGE
from changegate.policy import PolicyError, load_policy

VERBS = {"trust": "vouch for a project's own tool: its runs become ordinary work where its arguments point "
                  "(written to the policy file, recorded in the audit log)"}


def register(root: typer.Typer) -> None:
    root.command("trust", help=VERBS["trust"])(trust)


def trust(
    program: str = typer.Argument(..., help="a program name on the PATH, or a path relative to the workspace "
                                  "(./scripts/dev-setup.sh)"),
    args: str = typer.Option(None, "--args", help="only runs whose arguments match this glob ('--env dev*')"),
    reason: str = typer.Option("", "--reason", "-m", help="why it is safe, in your words"),
    policy: Path = typer.Option(None, "--policy", "-p", help="the policy file to add it to (default: "
                                "CHANGEGATE_POLICY; a new file extends the built-in policy)"),
) -> int:
    target = policy or (Path(os.environ["CHANGEGATE_POLICY"]) if os.environ.get("CHANGEGATE_POLICY") else None)
    if target is None:
        print("changegate: name the policy file to add it to: --policy FILE (or set CHANGEGATE_POLICY)",
              file=sys.stderr)
        return EXIT_USAGE
    entry = {"program": program, **({"args": args} if args else {}), **({"reason": reason} if reason else {}),
             "by": getpass.getuser(), "at": datetime.now(UTC).isoformat(timespec="seconds")}
    before = target.read_text(encoding="utf-8") if target.exists() else None
    target.write_text(with_trusted(before, entry), encoding="utf-8")
    try:
        loaded = load_policy(target)
    except PolicyError as exc:
        if before is None:
            target.unlink()
        else:
            target.write_text(before, encoding="utf-8")
        print("\n".join(["changegate: the policy would not validate; nothing was changed", *exc.problems]),
              file=sys.stderr)
        return EXIT_USAGE
    from changegate.cli.access import record  # the audit store stays off `policy show`'s path

    record("policy.trusted", {"policy": str(target), **entry})
    print(f"{target}: {program} is trusted{' with arguments ' + args if args else ''} "
          f"({len(loaded.doc.trusted)} trusted programs)")
    return 0


def with_trusted(text: str | None, entry: dict[str, str]) -> str:
    """The policy text with one more `trusted:` entry, every comment and line of it kept."""
    item = "  - " + json.dumps(entry, ensure_ascii=False) + "\n"  # a JSON object is a YAML flow mapping
    if text is None:
        return "version: 1\nextends: default\ntrusted:\n" + item
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.rstrip() in ("trusted:", "trusted: []"):
            lines[index] = "trusted:\n"
            return "".join([*lines[:index + 1], item, *lines[index + 1:]])
    return text + ("" if text.endswith("\n") or not text else "\n") + "trusted:\n" + item
