"""How long a decision on a large terraform plan takes.

usage: python bench/plans.py [CHANGES] [RUNS]      (defaults: 5000 changes, 50 runs)

Generates a `terraform show -json`-shaped plan with CHANGES resource changes (a mix of create, update,
replace, delete and no-op over 40 modules and 5 resource types, with before/after attributes and tags) and
times the whole decision (`gate.evaluate`: understand, decide, hash; the verdict cache off, so every run
decides afresh) three ways: the plan inline in the action, the plan read from a file (`path`, JSON decoded
by changegate), and the shell command `terraform apply tf.plan` on a binary plan file — which the gate reads
only through `terraform show -json` (a JSON beside it decides nothing): here a file terraform cannot read, so
that case measures starting terraform and the ask that follows. Prints median and p99 in milliseconds, of
wall time and of CPU time (on a machine shared with other work, wall time measures the neighbours too).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from changegate.gate import cache, evaluate
from changegate.gate.guardrails import uncounted
from changegate.policy import load_policy

KINDS = ["aws_instance", "aws_security_group_rule", "aws_route53_record", "aws_iam_role", "aws_db_instance"]
ACTIONS = [["update"], ["delete", "create"], ["create"], ["no-op"], ["delete"]]


def generated_plan(changes: int) -> dict[str, Any]:
    resource_changes = []
    for i in range(changes):
        kind = KINDS[i % len(KINDS)]
        attributes = {"tags": {"Name": f"r{i}", "Team": "platform"}, "id": f"id-{i}", "size": i % 7,
                      "deletion_protection": False}
        resource_changes.append({
            "address": f"module.svc{i % 40}.{kind}.r{i}", "module_address": f"module.svc{i % 40}",
            "mode": "managed", "type": kind, "name": f"r{i}",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ACTIONS[i % len(ACTIONS)], "before": attributes, "after": dict(attributes),
                       "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}},
        })
    return {"format_version": "1.2", "terraform_version": "1.9.8", "variables": {"env": {"value": "prod"}},
            "resource_changes": resource_changes, "complete": True, "errored": False}


def timed(label: str, run: Callable[[], Any], runs: int) -> None:
    """Wall time, and CPU time (what the decision costs when the machine is shared with other work)."""
    run()  # warm: imports, compiled policy
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        verdict = run()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    print(f"{label:<32} wall median {statistics.median(wall):6.1f} ms p99 {p99(wall):6.1f} ms | "
          f"cpu median {statistics.median(cpu):6.1f} ms p99 {p99(cpu):6.1f} ms")
    print(f"{'':<32} -> {verdict.decision} ({verdict.approvals_required} approvals): {verdict.summary[:100]}")


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> int:
    changes = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    plan = generated_plan(changes)
    policy = load_policy(None)
    cache.VERDICTS.keeping = False  # each run decides afresh
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tf.plan.json"
        path.write_text(json.dumps(plan))
        (Path(tmp) / "tf.plan").write_bytes(b"PK")
        path.touch()  # the JSON is not older than the plan file
        print(f"plan: {changes} resource changes, {path.stat().st_size / 1e6:.1f} MB as JSON, {runs} runs")
        timed("inline plan (action.plan)", lambda: evaluate({"type": "terraform_plan", "plan": plan}, policy), runs)
        timed("plan file (action.path)", lambda: evaluate({"type": "terraform_plan", "path": str(path)}, policy), runs)
        timed("shell: terraform apply tf.plan (unreadable)", lambda: evaluate(
            {"type": "shell", "command": "terraform apply tf.plan", "cwd": tmp}, policy), runs)
    return 0


if __name__ == "__main__":
    with uncounted():  # measured, not acted on: nothing counts against this machine's budgets
        raise SystemExit(main())
