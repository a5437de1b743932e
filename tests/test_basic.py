"""Reading and computing commands: allowed, except when what they read or print is a secret."""

from __future__ import annotations

import pytest

from tests.conftest import effects, shell


@pytest.mark.parametrize("command", [
    "ls -la", "cat README.md", "grep -rn TODO src", "head -n 20 app.log | tail -5", "wc -l *.py",
    "jq '.items[] | .name' data.json", "diff -u a.txt b.txt", "du -sh .", "ps aux | grep node",
    "sort -u names.txt | uniq -c", "cat /etc/os-release", "ls /etc", "stat /usr/bin/python3",
    "echo $PATH", "printenv HOME", "which git", "date -u", "cat .env.example",
])
def test_reading_is_allowed(command: str) -> None:
    assert shell(command).decision == "allow", shell(command).reasons


@pytest.mark.parametrize("command", [
    "cat ~/.ssh/id_rsa", "cat ~/.aws/credentials", "cat .env", "cat ~/.kube/config", "less /etc/shadow",
    "echo $AWS_SECRET_ACCESS_KEY", "printenv GITHUB_TOKEN", "printenv", "grep password ~/.netrc",
    "cat /proc/1/environ", "head terraform.tfstate", "cat ~/.docker/config.json", "cat /etc/passwd",
])
def test_reading_secrets_asks(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "ask", verdict.reasons
    assert effects(verdict, "secret_read")


def test_sort_output_file_is_a_write() -> None:
    assert shell("sort -o /etc/hosts hosts.txt").decision == "deny"
    assert shell("sort -o sorted.txt names.txt").decision == "allow"


def test_base64_decoding_a_known_payload_into_a_shell() -> None:
    verdict = shell("echo 'Y2F0IH4vLnNzaC9pZF9yc2EK' | base64 --decode | bash")
    assert effects(verdict, "secret_read")


@pytest.mark.parametrize(("command", "decision"), [
    ("grep -r password ~", "ask"),
    ("rg -i api_key /", "ask"),
    ("grep -rE 'BEGIN .*PRIVATE KEY' /home", "ask"),
    ("grep -rn password src/", "allow"),  # the project's own code
    ("grep -r TODO ~", "allow"),
    ("grep password notes.txt", "allow"),
])
def test_hunting_the_home_or_the_machine_for_secrets_asks(command: str, decision: str) -> None:
    assert shell(command).decision == decision
