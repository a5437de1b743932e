"""No test reads or writes this machine's changegate state: every test has a home and a state directory of its
own (tests/conftest.py `own_state`), in this process and in the processes it starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from changegate.answer import Answer
from changegate.gate import judge
from changegate.service.spool import spool_decision, spool_file
from changegate.service.store import default_url
from changegate.state import state_dir
from tests.conftest import REAL_STATE_DIR

HOOK_INPUT = {"session_id": "s", "cwd": "/home/dev/app", "hook_event_name": "PreToolUse", "tool_name": "Bash",
              "tool_input": {"command": "rm -rf /srv/data"}}


def fingerprint(folder: str) -> list[tuple[str, int, int]]:
    """What is in a directory (names, sizes, modification times): equal before and after means untouched."""
    found = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            found.append((path, info.st_size, info.st_mtime_ns))
    return sorted(found)


def test_the_state_directory_is_the_tests_own(own_state: Path) -> None:
    assert state_dir().is_relative_to(own_state)
    assert not Path(os.path.realpath(state_dir())).is_relative_to(os.path.realpath(REAL_STATE_DIR))
    assert str(own_state) in default_url()  # the store too
    assert Path.home() == own_state and "CHANGEGATE_URL" not in os.environ


def test_a_decision_spooled_here_or_by_a_hook_process_stays_out_of_the_real_state(own_state: Path) -> None:
    before = fingerprint(REAL_STATE_DIR)
    judgement = judge({"type": "shell", "command": "rm -rf /srv/data", "cwd": "/home/dev/app"})
    assert spool_decision(Answer.of(judgement.verdict), judgement, via="test")
    done = subprocess.run([sys.executable, "-m", "changegate", "hook", "claude-code"], input=json.dumps(HOOK_INPUT),
                          capture_output=True, text=True, timeout=60, check=False)
    assert json.loads(done.stdout)["hookSpecificOutput"]["permissionDecision"] == "ask"
    # both decisions are in the test's own spool, and the real state directory did not change
    assert Path(spool_file()).is_relative_to(own_state) and len(Path(spool_file()).read_text().splitlines()) == 2
    assert fingerprint(REAL_STATE_DIR) == before


def test_even_a_process_that_drops_the_changegate_variables_stays_out(own_state: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEGATE_")}
    found = subprocess.run([sys.executable, "-c", "from changegate.state import state_dir_name; "
                            "print(state_dir_name())"], env=env, capture_output=True, text=True, check=True)
    assert Path(found.stdout.strip()).is_relative_to(own_state)
