"""How the aws family's operation classes line up with the AWS CLI examples' weak labels.

usage: python bench/aws_examples.py [../shared/corpora/sources/aws_cli_examples/aws_cli_examples.jsonl] [SHOW]
The labels come from the operation name only (read_only / mutating / mutating_reversible_or_disruptive /
destructive), so they are a check of the verb tables, not ground truth. Reads ../shared by path: a
developer's tool, not a test.
"""

from __future__ import annotations

import collections
import json
import sys
import time
from pathlib import Path

from changegate.gate import evaluate
from changegate.gate.guardrails import uncounted

DEFAULT = Path(__file__).resolve().parents[2] / "shared/corpora/sources/aws_cli_examples/aws_cli_examples.jsonl"
CHANGES = {"create", "modify", "delete", "replace", "permission", "host_control", "publish"}


def agrees(label: str, operations: set[str], decision: str) -> bool:
    if label == "read_only":
        return decision == "allow" or operations <= {"read", "secret_read"}
    if label == "destructive":
        return "delete" in operations or "permission" in operations
    return bool(operations & (CHANGES | {"secret_read", "exfiltrate", "unknown"}))


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    shown = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    if not corpus.exists():
        print(f"{corpus} is missing (the corpora live in ../shared/corpora)")
        return 1
    rows = [json.loads(line) for line in corpus.open() if line.strip()]
    totals: collections.Counter[str] = collections.Counter()
    misses: dict[str, list[str]] = collections.defaultdict(list)
    not_understood = 0
    start = time.perf_counter()
    for row in rows:
        verdict = evaluate({"type": "shell", "command": row["command"], "cwd": "/home/dev/app",
                            "env": {"HOME": "/nonexistent-home", "AWS_PROFILE": "prod"}})
        operations = {e.operation for e in verdict.effects}
        if any("not-understood" in e.tags for e in verdict.effects):
            not_understood += 1
        label = row["verb_class"]
        totals[label] += 1
        if agrees(label, operations, verdict.decision):
            totals[label + ":ok"] += 1
        else:
            misses[label].append(f"{row['command'][:110]}  -> {sorted(operations)} {verdict.decision}")
    elapsed = time.perf_counter() - start
    for label in sorted({k for k in totals if ":" not in k}):
        ok = totals[label + ":ok"]
        print(f"{label:36} {ok:5}/{totals[label]:<5} {100 * ok / totals[label]:5.1f}%")
        for line in misses[label][:shown]:
            print("   ", line)
    agreed = sum(v for k, v in totals.items() if k.endswith(":ok"))
    print(f"agreement {agreed}/{len(rows)} = {100 * agreed / len(rows):.1f}%; not understood {not_understood}; "
          f"{1e6 * elapsed / len(rows):.0f} µs per command")
    return 0


if __name__ == "__main__":
    with uncounted():  # measured, not acted on: nothing counts against this machine's budgets
        raise SystemExit(main())
