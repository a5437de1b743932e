"""Shims: an agent's shell expands the command, the shim hands the exact argv to the gate, the real tool
later on PATH runs only when allowed or approved, a shim never calls itself, and a missing tool fails closed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from changegate.broker import shims
from tests.brokering import Gate

FAKE_TOOL = """#!{python}
import json, sys
with open({record!r}, "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
print("fake kubectl ran")
"""


@pytest.fixture
def layout(gate: Gate, tmp_path: Path) -> dict[str, Path]:
    shim_dir, bin_dir = tmp_path / "shims", tmp_path / "bin"
    shims.install(shim_dir, ["kubectl", "psql"])
    bin_dir.mkdir()
    record = tmp_path / "kubectl-ran.log"
    fake = bin_dir / "kubectl"
    fake.write_text(FAKE_TOOL.format(python=sys.executable, record=str(record)))
    fake.chmod(0o755)
    return {"shims": shim_dir, "bin": bin_dir, "record": record, "work": tmp_path}


def agent_shell(gate: Gate, command: str, path: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """What an agent does: a shell command line, with the shim directory first on PATH."""
    env = gate.env(PATH=path, HOME=str(cwd))
    return subprocess.run(["/bin/bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def ran(layout: dict[str, Path]) -> list[list[str]]:
    record = layout["record"]
    return [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []


def test_an_expanded_command_is_caught_at_the_shim_with_its_real_argv(gate: Gate, layout: dict[str, Path]) -> None:
    path = f"{layout['shims']}:{layout['bin']}:/usr/bin:/bin"
    command = "X=delete; kubectl $X ns payments"
    first = agent_shell(gate, command, path, layout["work"])
    assert first.returncode == 10, first.stderr
    assert "needs approval" in first.stderr
    assert ran(layout) == []  # the real (fake) kubectl did not run
    request_id = first.stderr.split("request ", 1)[1].split()[0]
    request = gate.request(request_id)
    assert request.action["argv"] == ["kubectl", "delete", "ns", "payments"]  # after the shell's expansion
    assert request.required == 2  # a whole namespace in an unknown cluster

    gate.approve(request_id, "alice", "bob")
    second = agent_shell(gate, command, path, layout["work"])
    assert second.returncode == 0, second.stderr
    calls = ran(layout)
    assert calls[0] == ["get", "ns", "payments", "-o", "yaml"]  # the snapshot, before anything is deleted
    assert [c for c in calls if "delete" in c] == [["delete", "ns", "payments"]]
    assert calls[-1] == ["delete", "ns", "payments"]
    assert "fake kubectl ran" in second.stdout
    third = agent_shell(gate, command, path, layout["work"])
    assert third.returncode == 10 and len(ran(layout)) == len(calls)  # the approval was for one run


def test_arguments_arrive_exactly_as_the_shell_passed_them(gate: Gate, layout: dict[str, Path]) -> None:
    path = f"{layout['shims']}:{layout['bin']}:/usr/bin:/bin"
    done = agent_shell(gate, "kubectl get pods -l 'app=web shop' --field-selector=\"status.phase!=Running\" "
                             "-o 'jsonpath={.items[*].metadata.name}'", path, layout["work"])
    assert done.returncode == 0, done.stderr
    assert ran(layout) == [["get", "pods", "-l", "app=web shop", "--field-selector=status.phase!=Running", "-o",
                            "jsonpath={.items[*].metadata.name}"]]


def test_a_shim_never_loops_into_itself_or_another_shim(gate: Gate, layout: dict[str, Path], tmp_path: Path) -> None:
    second_install = tmp_path / "more-shims"
    shims.install(second_install, ["kubectl"])
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "kubectl").symlink_to(layout["shims"] / "kubectl")  # a shim under another name and directory
    path = f"{layout['shims']}:{second_install}:{linked}:{layout['bin']}:/usr/bin:/bin"
    done = agent_shell(gate, "kubectl get pods", path, layout["work"])
    assert done.returncode == 0, done.stderr
    assert ran(layout) == [["get", "pods"]]  # reached the real one, once


def test_a_missing_real_tool_fails_closed(gate: Gate, layout: dict[str, Path], tmp_path: Path) -> None:
    other = tmp_path / "more-shims"
    shims.install(other, ["kubectl"])
    done = agent_shell(gate, "kubectl get pods", f"{layout['shims']}:{other}:{tmp_path / 'nothing'}",
                       layout["work"])
    assert done.returncode == 127
    assert "the real kubectl was not found" in done.stderr and "nothing ran" in done.stderr
    assert ran(layout) == []


def test_install_keeps_other_files_and_path_helpers_put_the_shims_first(tmp_path: Path) -> None:
    folder = tmp_path / "shims"
    folder.mkdir()
    (folder / "helm").write_text("#!/bin/sh\necho mine\n")
    with pytest.raises(shims.ShimError, match="not a changegate shim"):
        shims.install(folder, ["kubectl", "helm"])
    shims.install(folder, ["kubectl", "terraform"])
    assert shims.installed(folder) == ["kubectl", "terraform"]
    assert os.access(folder / "kubectl", os.X_OK)
    with pytest.raises(shims.ShimError):
        shims.install(folder, ["../escape"])
    path = shims.agent_path(folder, f"/usr/bin:{folder}:/bin")
    assert path.split(":") == [str(folder.resolve()), "/usr/bin", "/bin"]
    assert shims.path_without_shims(path) == "/usr/bin:/bin"
    assert shims.remove(folder) == ["kubectl", "terraform"] and (folder / "helm").exists()
