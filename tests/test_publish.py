"""Publishing tools: uploads and releases publish; building, checking and packaging stay in the workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

import changegate.understand.commands.publish.base  # noqa: F401  (compiled before the first timed analysis)
from changegate.gate import evaluate
from changegate.model import Verdict
from tests.conftest import effects, shell


@pytest.mark.parametrize("command", [
    "twine upload dist/*", "twine upload -r testpypi dist/*", "flit publish", "hatch publish", "hatch-publish",
    "vsce publish", "ovsx publish ext.vsix -p $OVSX_PAT", "goreleaser release --clean", "goreleaser",
    "snapcraft upload --release=stable app.snap",
])
def test_publishing_asks(command: str) -> None:
    v = shell(command)
    assert v.decision == "ask"
    publish = effects(v, "publish")
    assert publish and publish[0].reversible == "no"


@pytest.mark.parametrize("command", [
    "twine check dist/*", "flit build", "hatch build", "hatch version minor", "vsce package", "vsce ls",
    "goreleaser release --snapshot --clean", "goreleaser build --single-target", "goreleaser check",
    "snapcraft pack",
])
def test_building_and_checking_are_allowed(command: str) -> None:
    v = shell(command)
    assert v.decision == "allow"
    assert not effects(v, "publish")


def test_a_registry_on_this_machine_is_local() -> None:
    v = shell("twine upload --repository-url http://localhost:8080/ dist/*")
    assert v.decision == "allow"
    assert effects(v, "create")[0].environment == "local"


def test_publish_suggests_a_dry_run() -> None:
    v = shell("goreleaser release --clean")
    assert any("--snapshot" in s for s in v.suggestions)


def test_unpublishing_is_a_delete_of_what_others_install() -> None:
    v = shell("vsce unpublish me.my-extension")
    assert v.decision == "ask"
    assert effects(v, "delete")[0].environment == "prod"


def test_hatch_run_looks_the_script_up(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.hatch.envs.default.scripts]\nrelease = ["hatch build", "twine upload dist/*"]\ncheck = "ruff check ."\n')
    def run(command: str) -> Verdict:
        return evaluate({"type": "shell", "command": command, "cwd": str(tmp_path), "env": {"HOME": "/home/dev"}})
    released = run("hatch run release")
    assert released.decision == "ask"
    assert effects(released, "publish")
    assert not effects(run("hatch run check"), "publish")
