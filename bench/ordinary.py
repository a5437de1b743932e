"""False alarms on ordinary agent work: tests/fixtures/ordinary, every case should be allowed.

usage: python bench/ordinary.py [CHANGEGATE] [--policy FILE] [--keep]

Materializes the fixture workspace (a small Python and TypeScript project with a Makefile, package scripts and
shell scripts, as a git repository on a feature branch) as {home}/src/app beside the same fake home as
bench/adversarial.py, runs `changegate check --batch -` once, and prints the false-alarm rate per group and
overall (the goal is at most 3 %), then every case that was not allowed with its first reason. It is a
measurement: it exits 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "ordinary"
GOAL = 0.03
sys.path.insert(0, str(Path(__file__).resolve().parent))
from adversarial import check_batch, materialize  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("changegate", nargs="?", default=str(ROOT / ".venv" / "bin" / "changegate"))
    parser.add_argument("--policy", default="", help="a policy file instead of the default")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    cases = [json.loads(line) for line in (FIXTURE / "cases.jsonl").open(encoding="utf-8") if line.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="cg-ordinary-"))
    try:
        workspace, home = materialize(tmp, FIXTURE, branches=("main", "feature/login"))
        answers, _, elapsed = check_batch(args.changegate, cases, workspace, home, args.policy)
    finally:
        if args.keep:
            print(f"materialized in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    groups: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    alarms = []
    for case in cases:
        answer = answers.get(case["id"], {"decision": None, "reasons": ["no answer"]})
        group = groups[case["group"]]
        group["cases"] += 1
        if answer.get("decision") != "allow":
            group["alarms"] += 1
            reason = (answer.get("reasons") or [answer.get("error") or ""])[0]
            command = case["action"]["command"].replace("\n", " ⏎ ")
            alarms.append(f"  {case['id']} {answer.get('decision')!s:5} {command[:70]:<70} | {reason[:150]}")
    print(f"{'group':<48}{'cases':>6}{'false alarms':>14}")
    for name, g in groups.items():
        print(f"{name:<48}{g['cases']:>6}{g['alarms']:>8} {100 * g['alarms'] / g['cases']:5.1f}%")
    if alarms:
        print("\nnot allowed:")
        print("\n".join(alarms))
    total = sum(g["alarms"] for g in groups.values())
    print(f"\nfalse alarms on ordinary work: {100 * total / len(cases):.1f}% ({total} of {len(cases)}; goal <= "
          f"{100 * GOAL:.0f}%) in {elapsed:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
