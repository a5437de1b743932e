"""git: work that exists nowhere else, and the shared remote."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shell


@pytest.mark.parametrize("command", [
    "git status", "git log --oneline -5", "git diff HEAD", "git add -A", "git commit -m 'wip'",
    "git checkout -b feature/x", "git switch main", "git checkout main", "git pull --rebase", "git fetch origin",
    "git stash", "git stash pop", "git stash list", "git branch -d merged", "git reset --soft HEAD~1",
    "git reset HEAD file.txt", "git restore --staged file.txt", "git clean -n", "git rebase -i HEAD~3",
    "git push origin feature/login", "git push -u origin feature-x", "git merge --no-ff topic",
    "git -C sub status", "git rm --cached secret.txt", "git tag v-local", "git worktree add ../wt",
])
def test_ordinary_git_work_is_allowed(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "allow", verdict.reasons


@pytest.mark.parametrize("command", [
    "git reset --hard", "git reset --hard HEAD~1", "git clean -fd", "git clean -fdx", "git checkout -- .",
    "git checkout .", "git checkout HEAD -- src/app.py", "git checkout main file.txt", "git checkout -f main",
    "git restore src/app.py", "git restore --worktree .", "git stash drop", "git stash clear",
    "git branch -D feature", "git reflog expire --expire=now --all", "git gc --prune=now",
    "git filter-branch --tree-filter 'rm -f x' HEAD", "git switch --discard-changes main",
    "git worktree remove --force ../wt",
])
def test_destroying_local_work_asks(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "ask", verdict.reasons
    assert "ask-unrecoverable-work" in verdict.rules


@pytest.mark.parametrize("command", [
    "git push --force origin main", "git push -f origin feature", "git push origin +feature",
    "git push --force-with-lease", "git push origin --delete old", "git push origin :old",
    "git push --mirror", "git push origin main", "git push origin master", "git push origin release/2.0",
    "git push origin v1.2.3", "git push --tags",
])
def test_changes_to_the_shared_remote_ask(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "ask", verdict.reasons


def test_plain_push_reads_the_current_branch(tmp_path: Path) -> None:
    git_dir = tmp_path / ".git"
    git_dir.mkdir()
    (git_dir / "HEAD").write_text("ref: refs/heads/feature/search\n")
    assert shell("git push", cwd=str(tmp_path)).decision == "allow"
    (git_dir / "HEAD").write_text("ref: refs/heads/main\n")
    verdict = shell("git push", cwd=str(tmp_path))
    assert verdict.decision == "ask"
    assert any("default or release branch" in r for r in verdict.reasons)


def test_the_branch_read_binds_the_action_hash(tmp_path: Path) -> None:
    git_dir = tmp_path / ".git"
    git_dir.mkdir()
    (git_dir / "HEAD").write_text("ref: refs/heads/main\n")
    on_main = shell("git push", cwd=str(tmp_path)).action_hash
    (git_dir / "HEAD").write_text("ref: refs/heads/other\n")
    assert shell("git push", cwd=str(tmp_path)).action_hash != on_main


def test_git_config_global_and_hooks_path() -> None:
    assert shell("git config --global user.email a@b.c").decision == "ask"
    assert shell("git config core.hooksPath /tmp/hooks").decision == "ask"
    assert shell("git config user.name Dev").decision == "allow"
    assert shell("git config --get user.name").decision == "allow"


def test_reset_hard_suggests_stashing_first() -> None:
    verdict = shell("git reset --hard HEAD~1")
    assert any("git stash" in s for s in verdict.suggestions)
