"""The disk cache of validated policies: the same policy back, without YAML, and never a foreign file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from changegate.policy import PolicyError, compile_policy, load_policy
from changegate.policy.cache import SUFFIX, cache_key, cache_path, disk_cached

POLICY = """\
version: 1
extends: default
rules:
  - id: allow-scratch-deletes
    match: {operation: delete, resource: ["fs:/scratch/**"]}
    decide: allow
    reason: scratch space
"""


def write_policy(tmp_path: Path, text: str = POLICY) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def entries(policy: Path) -> list[Path]:
    return sorted((policy.parent / "__pycache__").glob(f"{policy.name}.*{SUFFIX}"))


def fresh_process(code: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, **(env or {})})
    return result.stdout.strip()


def test_a_cached_policy_decides_like_the_parsed_one(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    parsed = load_policy(path)
    assert len(entries(path)) == 1
    code = (f"import sys; from changegate.policy import load_policy; p = load_policy({str(path)!r}); "
            "print('yaml' in sys.modules, [(r.id, r.origin) for r in p.rules][-2:], p.source)")
    out = fresh_process(code)
    assert out.startswith("False")  # decoded from the cache: no YAML parser imported
    assert str([(r.id, r.origin) for r in parsed.rules][-2:]) in out
    assert out.endswith(str(path))


def test_the_builtin_policy_is_cached_next_to_it() -> None:
    load_policy(None)
    out = fresh_process("import sys; from changegate.policy import load_policy; p = load_policy(None); "
                        "print('yaml' in sys.modules, len(p.rules))")
    assert out == f"False {len(load_policy(None).rules)}"


def test_a_changed_file_is_parsed_again(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    load_policy(path)
    path.write_text(POLICY.replace("scratch space", "scratch space, changed"))
    reason = fresh_process("from changegate.policy import load_policy; import sys; "
                           f"print(load_policy({str(path)!r}).rules[-1].rule.reason)")
    assert reason == "scratch space, changed"
    assert len(entries(path)) == 1  # the stale entry is gone


def test_an_invalid_policy_is_never_cached(tmp_path: Path) -> None:
    path = write_policy(tmp_path, "rules: [{id: x}]\n")
    with pytest.raises(PolicyError):
        load_policy(path)
    assert entries(path) == []


def test_a_foreign_or_damaged_entry_is_ignored(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    load_policy(path)
    [entry] = entries(path)
    entry.write_text('{"format": 1, "key": "x"')  # damaged
    calls: list[object] = []

    def loader(p: object) -> object:
        calls.append(p)
        return load_policy.__wrapped__(p)  # type: ignore[attr-defined]

    cached = disk_cached(compile_policy)(loader)  # type: ignore[arg-type]
    assert cached(path).rules[-1].id == "allow-scratch-deletes"
    assert calls == [path]  # parsed, not decoded
    [entry] = entries(path)
    os.chmod(entry, 0o666)  # writable by anyone: not trusted
    calls.clear()
    disk_cached(compile_policy)(loader)(path)  # type: ignore[arg-type]
    assert calls == [path]


def test_the_cache_can_be_switched_off(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    out = fresh_process("import sys; from changegate.policy import load_policy; "
                        f"load_policy({str(path)!r}); print('yaml' in sys.modules)",
                        env={"CHANGEGATE_POLICY_CACHE": "off"})
    assert out == "True"


def test_keys_depend_on_the_file_and_its_place(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    key = cache_key(path, path.read_bytes())
    assert key != cache_key(path, b"other")
    assert key != cache_key(None, path.read_bytes())
    assert cache_path(path, key).parent == tmp_path / "__pycache__"
