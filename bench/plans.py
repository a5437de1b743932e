"""How long a decision on a large terraform plan takes.

usage: python bench/plans.py [CHANGES] [RUNS]      (defaults: 5000 changes, 50 runs)

Generates a `terraform show -json`-shaped plan with CHANGES resource changes (a mix of create, update,
replace, delete and no-op over 40 modules and 5 resource types, with before/after attributes and tags) and
times the whole decision (`gate.evaluate`: understand, decide, hash) three ways: the plan inline in the
action, the plan read from a file (`path`, JSON decoded by changegate), and the shell command
`terraform apply tf.plan` with `tf.plan.json` beside it. Prints median and p99 in milliseconds.
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

from changegate.gate import evaluate
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
    run()  # warm: imports, compiled policy
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        verdict = run()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"{label:<34} median {statistics.median(timings):7.1f} ms   p99 {p99:7.1f} ms   "
          f"-> {verdict.decision} ({verdict.approvals_required} approvals): {verdict.summary[:90]}")


def main() -> int:
    changes = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    plan = generated_plan(changes)
    policy = load_policy(None)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tf.plan.json"
        path.write_text(json.dumps(plan))
        (Path(tmp) / "tf.plan").write_bytes(b"PK")
        path.touch()  # the JSON is not older than the plan file
        print(f"plan: {changes} resource changes, {path.stat().st_size / 1e6:.1f} MB as JSON, {runs} runs")
        timed("inline plan (action.plan)", lambda: evaluate({"type": "terraform_plan", "plan": plan}, policy), runs)
        timed("plan file (action.path)", lambda: evaluate({"type": "terraform_plan", "path": str(path)}, policy), runs)
        timed("shell: terraform apply tf.plan", lambda: evaluate(
            {"type": "shell", "command": "terraform apply tf.plan", "cwd": tmp}, policy), runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
