"""The verdict cache (gate/cache.py): a repeated action is answered from the cache only while everything its
decision read is unchanged — a file's content (even rewritten in place with its old times put back), a
symlink swapped in, a directory listing, a program on the PATH, the policy, the session's state."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from changegate.gate import cache, judge
from changegate.model import Verdict
from changegate.policy import load_policy
from changegate.understand import facts

LONG_AGO = 1_600_000_000  # a file whose times are this old cannot change again within the clock's tick


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[cache.VerdictCache]:
    # files made by a test are seconds old at most: keep them anyway (one test checks the real bound)
    monkeypatch.setattr(facts, "RECENT_NS", 0)
    cache.VERDICTS.clear()
    yield cache.VERDICTS
    cache.VERDICTS.clear()


def decide(command: str, cwd: Path, home: Path, **extra: Any) -> Verdict:
    action = {"type": "shell", "command": command, "cwd": str(cwd), "env": {"HOME": str(home), "USER": "dev"},
              **extra}
    return judge(action).verdict


def aged(path: Path, when: int = LONG_AGO) -> None:
    os.utime(path, (when, when), follow_symlinks=False)


def kubeconfig(home: Path, context: str) -> Path:
    config = home / ".kube" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("apiVersion: v1\nkind: Config\n"
                      f"current-context: {context}\n"
                      f"contexts:\n- name: {context}\n  context: {{cluster: c1}}\n"
                      "clusters:\n- name: c1\n  cluster: {server: 'https://10.0.0.1:6443'}\n")
    aged(config)
    return config


@pytest.fixture
def place(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    work = home / "work"
    work.mkdir(parents=True)
    (work / ".git").mkdir()
    return work, home


def test_a_repeated_action_is_answered_from_the_cache_with_the_same_verdict(place: tuple[Path, Path]) -> None:
    work, home = place
    first = decide("ls -la && git status", work, home)
    hits = cache.VERDICTS.hits
    second = decide("ls -la && git status", work, home)
    assert cache.VERDICTS.hits == hits + 1
    assert second == first and second.decision == "allow"


def test_a_changed_kubeconfig_is_seen_even_with_its_old_times_put_back(place: tuple[Path, Path]) -> None:
    work, home = place
    config = kubeconfig(home, "kind-dev")
    assert decide("kubectl delete pod web-1", work, home).decision == "allow"
    hits = cache.VERDICTS.hits
    assert decide("kubectl delete pod web-1", work, home).decision == "allow"
    assert cache.VERDICTS.hits == hits + 1  # from the cache
    # same length, times put back as they were: only the inode's change time tells
    text = config.read_text().replace("kind-dev", "prod-web")
    config.write_text(text)
    aged(config)
    verdict = decide("kubectl delete pod web-1", work, home)
    assert verdict.decision == "ask" and "prod" in " ".join(e.environment for e in verdict.effects)


def test_a_file_changed_just_now_is_not_kept(place: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts, "RECENT_NS", 2_000_000_000)
    work, home = place
    (home / ".kube").mkdir()
    (home / ".kube" / "config").write_text("apiVersion: v1\nkind: Config\ncurrent-context: kind-dev\n")
    decide("kubectl get pods", work, home)
    hits = cache.VERDICTS.hits
    decide("kubectl get pods", work, home)
    assert cache.VERDICTS.hits == hits  # decided afresh: a second write within the clock's tick could hide


def test_a_directory_swapped_for_a_symlink_out_of_the_workspace_is_seen(place: tuple[Path, Path]) -> None:
    work, home = place
    (work / "build").mkdir()
    (home / "keep").mkdir()
    assert decide("rm -rf build/", work, home).decision == "allow"
    hits = cache.VERDICTS.hits
    assert decide("rm -rf build/", work, home).decision == "allow"
    assert cache.VERDICTS.hits == hits + 1
    (work / "build").rmdir()
    (work / "build").symlink_to(home / "keep")
    assert decide("rm -rf build/", work, home).decision != "allow"


def test_a_script_the_command_runs_is_read_again_when_it_changes(place: tuple[Path, Path]) -> None:
    work, home = place
    script = work / "tidy.sh"
    script.write_text("echo tidy\n")
    aged(script)
    assert decide("bash tidy.sh", work, home).decision == "allow"
    script.write_text("rm -rf ~\n")
    aged(script)
    assert decide("bash tidy.sh", work, home).decision == "deny"


def test_a_program_put_on_the_path_is_seen(place: tuple[Path, Path]) -> None:
    work, home = place
    tools = home / "bin"
    tools.mkdir()
    aged(tools)
    action = {"type": "shell", "command": "git tidy", "cwd": str(work),
              "env": {"HOME": str(home), "PATH": f"{tools}:/usr/bin:/bin"}}
    assert judge(action).verdict.decision == "allow"  # git refuses a verb it has no program for
    (tools / "git-tidy").write_text("#!/bin/sh\nrm -rf ~\n")
    (tools / "git-tidy").chmod(0o755)
    aged(tools / "git-tidy")
    assert judge(action).verdict.decision == "deny"


def test_another_policy_is_another_entry(place: tuple[Path, Path], tmp_path: Path) -> None:
    work, home = place
    strict = tmp_path / "strict.yaml"
    strict.write_text("version: 1\nextends: default\nrules:\n- id: no-listing\n  match: {operation: read}\n"
                      "  decide: deny\n  reason: nothing may be listed here\n")
    action = {"type": "shell", "command": "ls", "cwd": str(work), "env": {"HOME": str(home)}}
    assert judge(action).verdict.decision == "allow"
    assert judge(action, load_policy(strict)).verdict.decision == "deny"


def test_freeze_windows_are_judged_at_the_time_of_each_call(place: tuple[Path, Path], tmp_path: Path) -> None:
    work, home = place
    kubeconfig(home, "prod-web")
    start = datetime(2026, 12, 24, tzinfo=UTC)
    frozen = tmp_path / "frozen.yaml"
    frozen.write_text("version: 1\nextends: default\nfreezes:\n- name: holidays\n  environments: [prod]\n"
                      f"  start: '{start.isoformat()}'\n  end: '{(start + timedelta(days=2)).isoformat()}'\n")
    policy = load_policy(frozen)
    action = {"type": "shell", "command": "kubectl delete pod web-1", "cwd": str(work), "env": {"HOME": str(home)}}
    before = judge(action, policy, now=start - timedelta(hours=1)).verdict
    during = judge(action, policy, now=start + timedelta(hours=1)).verdict
    assert (before.decision, during.decision) == ("ask", "deny")


def test_the_session_state_is_part_of_the_key(place: tuple[Path, Path]) -> None:
    work, home = place
    session = {"session": "s-1", "agent": "claude-code"}
    assert decide("psql -h localhost -p 5433 -c 'DROP TABLE users'", work, home, **session).decision == "allow"
    decide("kubectl port-forward svc/db 5433:5432 --context prod-eu", work, home, **session)
    # the tunnel an earlier action opened leads port 5433 to prod
    assert decide("psql -h localhost -p 5433 -c 'DROP TABLE users'", work, home, **session).decision != "allow"


def test_decisions_that_ran_out_of_time_are_not_kept() -> None:
    observations = facts.Observations()
    from changegate.understand import Understanding
    from changegate.understand.base import not_understood

    timed_out = cache.Kept(Understanding([not_understood("slow", "timeout")]), {}, observations)
    cache.VERDICTS.put(b"k" * 20, timed_out)
    assert cache.VERDICTS.get(b"k" * 20) is None


def test_the_cache_is_bounded() -> None:
    small = cache.VerdictCache(size=16)
    kept = cache.Kept(__import__("changegate.understand", fromlist=["Understanding"]).Understanding([]), {},
                      facts.Observations())
    for number in range(100):
        small.put(number.to_bytes(4, "big"), kept)
    assert len(small.entries) <= 16
    assert small.get((99).to_bytes(4, "big")) is kept


# --- the kernel's answer to realpath (what the cache re-checks most) ------------------------------------------

@pytest.fixture(scope="module")
def linked_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "file").write_text("x")
    (root / "home").mkdir()
    links = {"to-a": "a", "to-b": str(root / "a" / "b"), "dangling": "/nonexistent/target", "loop1": "loop2",
             "loop2": "loop1", "up": "..", "to-file": "a/b/file", "relative-dangling": "a/missing/deeper"}
    for name, target in links.items():
        (root / name).symlink_to(target)
    (root / "a" / "back").symlink_to("../home")
    return root


PARTS = ["a", "b", "file", "to-a", "to-b", "dangling", "loop1", "up", "to-file", "relative-dangling", "back",
         "home", "missing", "..", "."]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(PARTS), min_size=0, max_size=5), trailing=st.booleans())
def test_the_kernels_real_path_is_realpath(linked_tree: Path, parts: list[str], trailing: bool) -> None:
    path = "/".join([str(linked_tree), *parts]) + ("/" if trailing else "")
    assert facts.real_path_on_disk(path) == os.path.realpath(path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(PARTS), min_size=1, max_size=5))
def test_a_real_path_worked_out_from_its_directorys_is_realpath(linked_tree: Path, parts: list[str]) -> None:
    # within one decision the directory's real path is looked up first (as `rm -rf build/` does), and the
    # path below it is worked out from it; the cache checks it again the same way
    path = "/".join([str(linked_tree), *parts])
    with facts.observing() as seen:
        facts.real_path(path.rpartition("/")[0])
        assert facts.real_path(path) == os.path.realpath(path)
    assert seen.still_true()


@pytest.mark.parametrize("planted", ["y", "gone"])
def test_a_link_planted_where_a_path_was_worked_out_is_seen(tmp_path: Path, planted: str) -> None:
    # tmp/y and tmp/gone/x are worked out from tmp's real path (nothing is at either); then a link appears
    with facts.observing() as seen:
        facts.real_path(str(tmp_path))
        assert facts.real_path(str(tmp_path / "y")) == str(tmp_path / "y")
        facts.real_path(str(tmp_path / "gone"))
        assert facts.real_path(str(tmp_path / "gone" / "x")) == str(tmp_path / "gone" / "x")
    assert seen.still_true()
    (tmp_path / planted).symlink_to("/etc")
    assert not seen.still_true()


def test_a_new_match_of_a_glob_is_seen(place: tuple[Path, Path]) -> None:
    work, home = place
    (work / "a").mkdir()
    (work / "a" / "passwd").write_text("fixture\n")
    assert decide("rm -f ./*/passwd", work, home).decision == "allow"
    hits = cache.VERDICTS.hits
    assert decide("rm -f ./*/passwd", work, home).decision == "allow"
    assert cache.VERDICTS.hits == hits + 1
    (work / "b").symlink_to("/etc")  # ./b/passwd is now the system's
    assert decide("rm -f ./*/passwd", work, home).decision == "deny"
