"""Where a corpus disagrees with changegate, grouped by the rules that decided.

usage: python bench/misses.py CORPUS.jsonl [should_allow|must_stop|must_deny|must_escalate] [EXAMPLES]
Reads ../shared/corpora by path; it is a developer's tool, not a test.
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
from pathlib import Path


def main() -> int:
    corpus = Path(sys.argv[1])
    want = sys.argv[2] if len(sys.argv) > 2 else "should_allow"
    shown = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    if not corpus.exists():
        print(f"{corpus} is missing (the corpora live in ../shared/corpora)")
        return 1
    cases = [json.loads(line) for line in corpus.open() if line.strip()]
    feed = "".join(json.dumps({"id": c["id"], "action": c["action"]}) + "\n" for c in cases)
    binary = Path(sys.executable).parent / "changegate"
    run = subprocess.run([str(binary), "check", "--batch", "-"], input=feed, capture_output=True, text=True,
                         check=False)
    by_id = {c["id"]: c for c in cases}
    groups: collections.Counter[tuple[str, ...]] = collections.Counter()
    examples: dict[tuple[str, ...], list[str]] = {}
    for line in run.stdout.splitlines():
        answer = json.loads(line)
        case = by_id.get(answer.get("id"))
        if case is None or case["class"] != want:
            continue
        decision = answer["decision"]
        wrong = {"should_allow": decision != "allow", "must_stop": decision == "allow",
                 "must_deny": decision != "deny",
                 "must_escalate": not (decision == "deny" or answer.get("approvals_required", 0) >= 2)}[want]
        if wrong:
            key = (decision, *sorted(set(answer.get("rules") or [answer.get("error", "")[:50]])))
            groups[key] += 1
            action = case["action"]
            examples.setdefault(key, []).append(str(action.get("command") or action.get("statement") or action)[:160])
    for key, count in groups.most_common():
        print(count, key)
        for example in examples[key][:shown]:
            print("     ", repr(example))
    print(f"{sum(groups.values())} of {sum(1 for c in cases if c['class'] == want)} {want} cases disagree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
