"""Runners hand their payload to the walker: sudo, env, timeout, xargs, ssh, watch, parallel, script."""

from __future__ import annotations

import pytest

from tests.conftest import effects, resources, shell


@pytest.mark.parametrize(("command", "deleted"), [
    ("sudo -u postgres rm -rf /srv/pg", "fs:/srv/pg"),
    ("doas rm -rf /srv/d", "fs:/srv/d"),
    ("env -C /srv rm -rf data", "fs:/srv/data"),
    ("timeout -s KILL 30 rm -rf /srv/t", "fs:/srv/t"),
    ("nice -n 19 ionice -c 3 rm -rf /srv/n", "fs:/srv/n"),
    ("stdbuf -oL rm -rf /srv/s", "fs:/srv/s"),
    ("chrt 10 rm -rf /srv/c", "fs:/srv/c"),
    ("flock /tmp/lock rm -rf /srv/f", "fs:/srv/f"),
    ("flock -c 'rm -rf /srv/fc' /tmp/lock", "fs:/srv/fc"),
    ("su -c 'rm -rf /srv/su' root", "fs:/srv/su"),
    ("runuser -u app -- rm -rf /srv/ru", "fs:/srv/ru"),
])
def test_runner_payload_is_understood(command: str, deleted: str) -> None:
    assert deleted in resources(shell(command), "delete")


def test_sudo_marks_effects_elevated() -> None:
    (effect,) = effects(shell("sudo rm -rf /srv/x"), "delete")
    assert "elevated" in effect.tags


def test_sudo_without_a_command_opens_a_root_shell() -> None:
    verdict = shell("sudo -i")
    assert verdict.decision == "ask"
    (effect,) = effects(verdict, "unknown")  # what is typed into an interactive shell cannot be seen
    assert "interactive" in effect.tags and "elevated" in effect.tags


def test_env_without_command_prints_secrets() -> None:
    assert shell("env").decision == "ask"
    assert shell("env -i").decision == "allow"


def test_ssh_places_remote_effects_by_host() -> None:
    verdict = shell("ssh -p 2222 deploy@db1.prod.internal 'sudo systemctl stop postgresql; rm -rf /var/lib/x'")
    remote = [e for e in verdict.effects if e.resource.startswith("fs://")]
    assert remote and all(e.environment == "prod" for e in remote)
    assert remote[0].resource == "fs://db1.prod.internal/var/lib/x"


def test_ssh_to_a_dev_host_with_a_harmless_command() -> None:
    assert shell("ssh dev-box.internal uptime").decision == "allow"


def test_interactive_ssh_cannot_be_seen() -> None:
    verdict = shell("ssh db1.prod.internal")
    assert verdict.decision == "ask"


def test_xargs_with_paths_from_find() -> None:
    verdict = shell("find /srv/logs -name '*.gz' | xargs rm -f")
    (effect,) = effects(verdict, "delete")
    assert effect.resource == "fs:/srv/logs/*" and effect.environment == "unknown"
    assert verdict.decision == "ask"


def test_xargs_replace_string() -> None:
    assert "fs:/srv/a" in resources(shell("echo /srv/a | xargs -I{} rm -rf {}"), "delete")


def test_xargs_from_a_file_argument_is_not_from_stdin() -> None:
    verdict = shell("echo ok | xargs -a /tmp/paths rm -rf")
    assert verdict.decision != "allow" or not resources(verdict, "delete") - {"fs:/home/dev/app/ok"}


def test_watch_runs_its_command_through_sh() -> None:
    assert "fs:/srv/w" in resources(shell("watch -n 5 'rm -rf /srv/w'"), "delete")


def test_parallel_with_inputs() -> None:
    assert resources(shell("parallel rm -rf /srv/{} ::: a b"), "delete") == {"fs:/srv/a", "fs:/srv/b"}


def test_command_lookup_is_a_read() -> None:
    assert shell("command -v kubectl").decision == "allow"
