"""The fs family: deletes, moves onto existing files, permissions, disks, and where each lands."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import HOME, WORKSPACE, effects, shell


@pytest.mark.parametrize("command", [
    "rm -rf build node_modules", "rm out.json", "rm -rf /tmp/scratch-123", "rmdir empty", "mkdir -p src/new",
    "touch a.txt", "cp a.txt b.txt", "mv old.txt new.txt", "chmod +x run.sh", "ln -s ../shared shared",
    "find . -name '*.pyc' -delete", "rsync -a src/ /tmp/copy/", "tar -czf out.tgz src", "tar -xzf in.tgz",
    "sed -i 's/a/b/' src/x.py", "truncate -s 0 app.log", "gzip -9 big.log", "unzip -o pkg.zip -d vendor",
])
def test_ordinary_work_in_the_workspace_is_allowed(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "allow", verdict.reasons


@pytest.mark.parametrize(("command", "decision"), [
    ("rm -rf /", "deny"), ("rm -rf ~", "deny"), ("rm -rf ~/", "deny"), ("rm -rf /etc", "deny"),
    ("rm -rf /usr/lib", "deny"), ("rm /etc/passwd", "deny"), ("rm -rf /home/other", "deny"),
    ("rm -rf ~/*", "deny"), ("rm -rf /*", "deny"), ("rm -rf /var/log", "deny"),
    ("rm -rf /srv/data", "ask"), ("rm -rf ~/projects/old", "ask"), ("rm -rf ../sibling", "ask"),
    ("rm -rf .", "ask"), ("rm -rf *", "ask"), ("shred -u /dev/sda", "deny"), ("wipefs -a /dev/nvme0n1", "deny"),
    ("chown -R nobody /", "deny"), ("chmod -R 000 ~", "deny"), ("chmod 600 ~/.ssh/id_rsa", "ask"),
    ("truncate -s 0 /var/lib/app/db.sqlite", "deny"), ("echo x > /etc/hosts", "deny"),
    ("echo x >> /etc/hosts", "ask"), ("echo 'alias ls=rm' >> ~/.bashrc", "ask"),
    ("find /tmp -mindepth 1 -delete", "ask"), ("rsync -a --delete src/ /srv/www/", "ask"),
])
def test_destructive_or_outside_the_workspace(command: str, decision: str) -> None:
    verdict = shell(command)
    assert verdict.decision == decision, verdict.reasons


def test_delete_effect_says_what_where_and_why() -> None:
    verdict = shell("rm -rf /srv/data")
    (effect,) = effects(verdict, "delete")
    assert effect.resource == "fs:/srv/data"
    assert effect.environment == "unknown"
    assert effect.scope == "many" and effect.reversible == "no"
    assert "outside the agent's workspace" in effect.why_environment
    assert verdict.approvals_required == 1
    assert any("ls -la" in s for s in verdict.suggestions)


def test_workspace_paths_are_local_and_tmp_too() -> None:
    (a,) = effects(shell("rm -rf build"), "delete")
    (b,) = effects(shell("rm -rf /tmp/x"), "delete")
    assert (a.environment, b.environment) == ("local", "local")


def test_cwd_at_the_root_does_not_make_the_machine_a_workspace() -> None:
    verdict = shell("rm -rf srv/data", cwd="/")
    assert verdict.decision == "ask"


def test_move_onto_an_existing_file_is_a_replace(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("new")
    (tmp_path / "b.txt").write_text("old")
    verdict = shell("mv a.txt b.txt", cwd=str(tmp_path))
    assert {e.operation for e in verdict.effects} >= {"replace"}
    verdict = shell("mv -n a.txt b.txt", cwd=str(tmp_path))
    assert "replace" not in {e.operation for e in verdict.effects}


def test_moving_the_workspace_away_asks() -> None:
    # the Gemini CLI incident: everything moved to a directory that was never created
    verdict = shell("mv * ../new-project-dir")
    assert verdict.decision == "ask"


def test_copying_a_credential_is_a_secret_read() -> None:
    verdict = shell("cp ~/.aws/credentials /tmp/c")
    assert verdict.decision == "ask"
    assert effects(verdict, "secret_read")


def test_dd_onto_a_disk_is_denied_but_to_a_file_is_not() -> None:
    assert shell("dd if=img.iso of=/dev/sdb bs=4M").decision == "deny"
    assert shell("dd if=/dev/urandom of=rand.bin bs=1k count=4").decision == "allow"


def test_find_exec_over_home_is_the_home_directory() -> None:
    verdict = shell("find ~ -mindepth 1 -maxdepth 1 -not -name '.*' -exec rm -rf {} +")
    assert verdict.decision == "deny"
    assert f"fs:{HOME}/*" in {e.resource for e in verdict.effects}


def test_find_selection_in_the_workspace_is_ordinary() -> None:
    verdict = shell("find . -type f -name '*.orig' -exec rm -f {} \\;")
    assert verdict.decision == "allow"
    (effect,) = effects(verdict, "delete")
    assert effect.resource.startswith(f"fs:{WORKSPACE}/")


def test_rsync_to_a_prod_host_is_placed_by_the_host() -> None:
    verdict = shell("rsync -av --delete dist/ deploy@web1.prod.example.com:/var/www/")
    (effect,) = effects(verdict, "delete")
    assert effect.environment == "prod"
    assert verdict.decision == "ask"


@pytest.mark.parametrize("command", [
    "rm .claude/settings.json", "echo {} > .claude/settings.json", "sed -i 's/block/allow/' .claude/settings.json",
    "mv .claude/settings.json /tmp/x", "rm -rf .claude", "rm -rf ~/.codex", "rm .cursor/hooks.json",
    "truncate -s 0 .gemini/settings.json", "rm -rf .kiro/agents", "rm .git/hooks/pre-commit",
])
def test_an_agent_cannot_quietly_remove_its_own_guard(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "ask", verdict.reasons
    assert "ask-persistence" in verdict.rules


def test_ci_configuration_in_the_workspace_is_ordinary_work() -> None:
    assert shell("echo '  - run: make test' >> .github/workflows/ci.yml").decision == "allow"
