"""`make demo`: replay real incidents through changegate and show what it would have done.

Each row of examples/incidents.jsonl is an action an agent (or a person) really took, reconstructed; the table
shows the action, changegate's decision with the approvals it needs, and the reason it gives.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from changegate.gate import evaluate

INCIDENTS = Path(__file__).with_name("incidents.jsonl")
COLOUR = {"allow": "green", "ask": "yellow", "deny": "bold red"}


def describe(action: dict) -> str:
    if action["type"] == "shell":
        return str(action["command"])
    if action["type"] == "terraform_plan":
        changes = action.get("plan", {}).get("resource_changes", [])
        return f"terraform plan ({len(changes)} resource changes)"
    return json.dumps(action)[:120]


def main() -> int:
    console = Console()
    table = Table(title="changegate on real incidents", show_lines=True, expand=True)
    table.add_column("incident", style="bold", no_wrap=True)
    table.add_column("what the agent ran", overflow="fold", ratio=3)
    table.add_column("decision", no_wrap=True)
    table.add_column("why", overflow="fold", ratio=4)
    stopped = 0
    rows = [json.loads(line) for line in INCIDENTS.open() if line.strip()]
    for row in rows:
        verdict = evaluate(row["action"])
        stopped += verdict.decision != "allow"
        decision = verdict.decision.upper()
        if verdict.decision == "ask" and verdict.approvals_required > 1:
            decision += f" ×{verdict.approvals_required}"
        reason = verdict.reasons[0].split(" — ")[0] if verdict.reasons else ""
        detail = f"{verdict.summary}\n{reason}" if verdict.summary else reason
        table.add_row(row["id"], describe(row["action"]), f"[{COLOUR[verdict.decision]}]{decision}[/]", detail)
    console.print(table)
    console.print(f"{stopped} of {len(rows)} incidents stopped before they ran. Try your own: "
                  f"[bold].venv/bin/changegate explain -- 'kubectl delete ns payments --context prod-eu'[/]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
