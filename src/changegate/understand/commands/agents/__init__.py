"""Agent CLIs (claude, codex, gemini, …): another agent started from this one, with its approvals on or off."""
