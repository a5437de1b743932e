"""What an approval binds: every family's declared environment variables, the variables that change what runs
for any program, and secrets written in the command (as keyed digests, never in clear).

The attack this reproduces (issue 12): an approved `changegate run -- psql … -c "DROP TABLE victim"` with
`PGOPTIONS="-c search_path=a"` was used, unchanged, with `search_path=b`."""

from __future__ import annotations

import json
import stat
import sys
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changegate.gate import judge
from changegate.model import DIGEST_PREFIX, digest_key_path, redact_value
from changegate.understand.cli import RUNTIME_VARIABLES, matches_table, split_table
from changegate.understand.commands import INDEX, family_for
from tests.brokering import Gate
from tests.conftest import HOME, WORKSPACE

UNRELATED = "CHANGEGATE_TEST_UNRELATED_VARIABLE"


def action_hash(command: str, env: dict[str, str] | None = None) -> str:
    action = {"type": "shell", "command": command, "cwd": WORKSPACE, "env": {"HOME": HOME, **(env or {})}}
    return judge(action).verdict.action_hash


@cache
def declared() -> list[tuple[str, str]]:
    """(program, variable) for every family that declares variables, one program per family; a prefix
    pattern (`TF_VAR_*`) stands for a variable with that prefix."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, target in sorted(INDEX.items()):
        if target in seen or not name.replace("-", "").replace("_", "").isalnum():
            continue
        seen.add(target)
        family = family_for(name)
        exact, prefixes = split_table(family.ENV_VARIABLES)
        pairs.extend((name, variable) for variable in exact if variable != "HOME")
        pairs.extend((name, prefix + "X") for prefix in prefixes)
    return pairs


def test_many_families_declare_variables() -> None:
    programs = {program for program, _ in declared()}
    assert len(programs) > 100
    for program, variable in (("psql", "PGOPTIONS"), ("psql", "PGPORT"), ("mysql", "MYSQL_TCP_PORT"),
                              ("helm", "HELM_NAMESPACE"), ("terraform", "TF_CLI_ARGS_X"), ("terraform", "TF_DATA_DIR"),
                              ("terraform", "TF_VAR_X"), ("git", "GIT_DIR"), ("git", "GIT_CONFIG_KEY_X"),
                              ("aws", "AWS_REGION"), ("gcloud", "CLOUDSDK_X"), ("kubectl", "KUBECONFIG")):
        assert matches_table(variable, family_for(program).ENV_VARIABLES), (program, variable)


def test_every_declared_variable_of_every_family_changes_the_hash() -> None:
    """The sweep: each (family, variable) once, with two values; the unrelated variable changes nothing."""
    unbound: list[str] = []
    for program, variable in declared():
        command = f"{program} --version"
        first = action_hash(command, {variable: "value-one"})
        if first == action_hash(command, {variable: "value-two"}):
            unbound.append(f"{program}: {variable}")
    assert not unbound, unbound


@settings(max_examples=150, deadline=None)
@given(pair=st.sampled_from(declared()),
       values=st.lists(st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12),
                       min_size=2, max_size=2, unique=True))
def test_changing_a_declared_variable_changes_the_hash_and_an_unrelated_one_does_not(
        pair: tuple[str, str], values: list[str]) -> None:
    program, variable = pair
    command = f"{program} --version"
    one, two = ({variable: v} for v in values)
    assert action_hash(command, one) != action_hash(command, two)
    assert action_hash(command, one) == action_hash(command, {**one, UNRELATED: values[1]})


@pytest.mark.parametrize("variable", [v for v in RUNTIME_VARIABLES if not v.endswith("*")] + ["DYLD_INSERT_LIBRARIES",
                                                                                             "BASH_FUNC_ls%%"])
def test_variables_that_change_what_runs_bind_every_command(variable: str) -> None:
    for command in ("ls", "rm -f build/x", "./deploy.sh", "unknown-tool --go"):
        assert action_hash(command, {variable: "/tmp/a"}) != action_hash(command, {variable: "/tmp/b"}), command


def test_inline_assignments_and_earlier_exports_bind_like_the_environment() -> None:
    drop = 'psql -h db.prod -U app -d app -c "DROP TABLE victim"'
    inline_a, inline_b = (action_hash(f"PGOPTIONS='-c search_path={s}' {drop}") for s in "ab")
    assert inline_a != inline_b
    exported = action_hash(f"export PGPORT=5433; {drop}")
    assert exported != action_hash(f"export PGPORT=5434; {drop}")
    # the environment's value is bound even when the line's words are the same
    assert action_hash(drop, {"PGPORT": "5433"}) != action_hash(drop, {"PGPORT": "5434"})
    assert action_hash(drop, {"PGPORT": "5433"}) != action_hash(drop)


def test_unrelated_variables_do_not_change_the_hash() -> None:
    drop = 'psql -h db.prod -U app -d app -c "DROP TABLE victim"'
    assert action_hash(drop, {UNRELATED: "a"}) == action_hash(drop, {UNRELATED: "b"}) == action_hash(drop)
    assert action_hash("git status", {"PGOPTIONS": "x"}) == action_hash("git status", {"PGOPTIONS": "y"})


def test_secret_looking_values_are_bound_as_keyed_digests_never_in_clear() -> None:
    drop = 'psql -h db.prod -U app -d app -c "DROP TABLE victim"'
    judged = judge({"type": "shell", "command": drop, "cwd": WORKSPACE,
                    "env": {"HOME": HOME, "PGPASSWORD": "correct horse", "PGHOST": "db.prod"}})
    context = judged.canonical["context"] if judged.canonical else {}
    assert context["env:PGPASSWORD"].startswith(DIGEST_PREFIX)
    assert "correct horse" not in json.dumps(judged.canonical)
    assert action_hash(drop, {"PGPASSWORD": "correct horse"}) != action_hash(drop, {"PGPASSWORD": "battery staple"})


def test_a_credential_shaped_value_is_a_digest_whatever_its_variable_is_called() -> None:
    token = "ghp_" + "a1" * 18
    judged = judge({"type": "shell", "command": "git push", "cwd": WORKSPACE,
                    "env": {"HOME": HOME, "GIT_CONFIG_VALUE_0": token, "GIT_DIR": "/srv/repo/.git",
                            "GIT_HTTP_EXTRA_HEADER": "Authorization: Bearer abcdefabcdefabcdef"}})
    context = (judged.canonical or {})["context"]
    assert context["env:GIT_CONFIG_VALUE_0"].startswith(DIGEST_PREFIX)
    assert context["env:GIT_HTTP_EXTRA_HEADER"].startswith(DIGEST_PREFIX)
    assert context["env:GIT_DIR"] == "/srv/repo/.git"
    assert token not in json.dumps(judged.canonical)


def test_a_variable_the_command_expands_keeps_a_credential_as_a_digest() -> None:
    token = "ghp_" + "b2" * 18
    judged = judge({"type": "shell", "command": 'curl -H "X-Trace: $MYVAR" https://api.example.com/x',
                    "cwd": WORKSPACE, "env": {"HOME": HOME, "MYVAR": token}})
    assert judged.canonical is not None and token not in json.dumps(judged.canonical)
    assert judged.canonical["context"]["env:MYVAR"].startswith(DIGEST_PREFIX)


def test_the_digest_key_is_kept_in_the_state_directory_and_only_its_owner_reads_it() -> None:
    first = redact_value("hunter2")
    key = Path(digest_key_path())
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert first == redact_value("hunter2") and first != redact_value("hunter3")
    import hashlib

    assert hashlib.sha256(b"hunter2").hexdigest()[:16] not in first  # keyed, not a bare sha256


# --- through `changegate run`: the reproduced attack --------------------------------------------------------

def fake_psql(folder: Path) -> Path:
    """A `psql` that records the PGOPTIONS it ran with (the real client would set search_path from it)."""
    folder.mkdir()
    program = folder / "psql"
    program.write_text(f"#!{sys.executable}\nimport os, sys\n"
                       "open(os.environ['PSQL_LOG'], 'a').write(os.environ.get('PGOPTIONS', '') + '\\n')\n")
    program.chmod(0o755)
    return program


def test_an_approval_with_one_pgoptions_cannot_run_with_another(gate: Gate, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    fake_psql(bin_dir)
    log = tmp_path / "psql.log"
    argv = ["psql", "-h", "db.prod.example.com", "-U", "app", "-d", "app", "-c", "DROP TABLE victim"]

    def env(search_path: str) -> dict[str, str]:
        path = f"{bin_dir}:{gate.env()['PATH']}"
        return gate.env(PGOPTIONS=f"-c search_path={search_path}", PSQL_LOG=str(log), PATH=path)

    first = gate.run(argv, tmp_path, env=env("a"))
    assert first.code == 10, first.stderr
    gate.approve(first.request)
    other = gate.run(argv, tmp_path, env=env("b"))  # the same words, another schema
    assert other.code == 10 and other.request != first.request, other.stderr
    assert not log.exists()  # nothing ran with search_path=b
    used = gate.run(argv, tmp_path, env=env("a"))
    assert used.code == 0, used.stderr
    # it ran (the undo plan may have asked psql first): only ever with the approved search_path
    assert set(log.read_text().splitlines()) == {"-c search_path=a"}


def test_a_child_holding_injected_credentials_loads_no_code_the_agent_chose(gate: Gate, tmp_path: Path) -> None:
    from changegate.broker.credentials import Vault

    Vault().add("deploy", kind="static", environments=["local", "dev", "unknown"], tools=["python3"],
                env={"DEPLOY_TOKEN": "gate-secret-token-value"}, files={})
    dump = tmp_path / "dump.py"
    out = tmp_path / "child.json"
    dump.write_text("import json, os, sys\njson.dump(dict(os.environ), open(sys.argv[1], 'w'))\n"
                    "print('token is', os.environ.get('DEPLOY_TOKEN'))\n"
                    "print('tail', os.environ.get('DEPLOY_TOKEN'), file=sys.stderr)\n")
    agent_env = gate.env(BASH_ENV="/tmp/evil.sh", PYTHONSTARTUP="/tmp/evil.py", NODE_OPTIONS="--require /tmp/e.js",
                         LD_PRELOAD="/tmp/evil.so", PYTHONPATH="/tmp/evil", PERL5OPT="-Mevil")
    # the gate asks about them (code it cannot read); a person approves; the child still does not get them
    ran = gate.approved_run(["python3", str(dump), str(out)], tmp_path, env=agent_env, policy=False)
    assert ran.code == 0, ran.stderr
    child = json.loads(out.read_text())
    assert child["DEPLOY_TOKEN"] == "gate-secret-token-value"
    for name in ("BASH_ENV", "PYTHONSTARTUP", "NODE_OPTIONS", "LD_PRELOAD", "PYTHONPATH", "PERL5OPT"):
        assert name not in child, name
    started = gate.records("execution.started")[-1].data["credentials"]
    assert "LD_PRELOAD" in started["dropped"] and "BASH_ENV" in started["dropped"]
    finished = gate.records("execution.finished")[-1].data
    # the child printed the injected token: the record holds its name, never its value
    assert "token is [injected DEPLOY_TOKEN]" in finished["stdout"]["head"]
    assert "[injected DEPLOY_TOKEN]" in finished["stderr"]["head"]
    assert "gate-secret-token-value" not in gate.audit_text()


def test_a_secret_cut_by_the_edge_of_the_recorded_head_is_taken_out_too() -> None:
    from changegate.broker.run import without_secrets

    secrets = {"TOKEN": "abcdefghijklmnop"}
    assert without_secrets("x" * 10 + "abcdefgh", secrets, "head") == "x" * 10 + "[injected TOKEN]"
    assert without_secrets("ijklmnop and more", secrets, "tail") == "[injected TOKEN] and more"
    assert without_secrets("nothing here", secrets, "head") == "nothing here"
