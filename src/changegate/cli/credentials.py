"""`changegate credentials add|list|remove`: the credential profiles the gate holds (see credentials.py).

    KUBECONFIG is a file:        changegate credentials add prod-kube -e prod -t kubectl -t helm \\
                                     --file KUBECONFIG=/secure/prod.kubeconfig
    a token from your env:       changegate credentials add prod-db -e prod -t psql --secret PGPASSWORD
    NAME=VALUE lines on stdin:   vault kv get … | changegate credentials add gh -e prod -t gh --stdin
    AWS, minted per action:      changegate credentials add prod-aws -e prod -t aws \\
                                     --role-arn arn:aws:iam::111111111111:role/deployer \\
                                     --secret AWS_ACCESS_KEY_ID --secret AWS_SECRET_ACCESS_KEY

A secret's value is never taken from the command line (it would stay in shell history and the process
list): `--secret NAME` reads it from your environment variable NAME, or asks for it. Values are never shown.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

from changegate.broker.credentials import MAX_FILE_BYTES, CredentialError, Kind, Vault
from changegate.cli import fail
from changegate.cli.access import record

VERBS = {"add": "add a credential profile", "list": "list the profiles (never their values)",
         "remove": "remove a profile"}
app = typer.Typer(help="Credential profiles the gate injects into approved actions; the agent never holds them.",
                  no_args_is_help=True, add_completion=False)


@app.command(help=VERBS["add"])
def add(
    name: str = typer.Argument(..., help="the profile's name"),
    environment: list[str] = typer.Option(..., "--environment", "-e", help="an environment it serves (repeat)"),
    tool: list[str] = typer.Option(..., "--tool", "-t", help="a tool it serves, or * for any (repeat)"),
    secret: list[str] = typer.Option(None, "--secret", "-s", help="NAME of a variable to inject; the value comes "
                                     "from your environment variable NAME, or is asked for"),
    from_stdin: bool = typer.Option(False, "--stdin", help="read NAME=VALUE lines from standard input"),
    file: list[str] = typer.Option(None, "--file", "-f", help="VAR=PATH: the file's content is kept; the child "
                                   "gets VAR pointing at a private copy"),
    role_arn: str = typer.Option(None, "--role-arn", help="aws-sts: the role to assume for each action"),
    region: str = typer.Option(None, "--region", help="aws-sts: the region"),
    endpoint_url: str = typer.Option(None, "--endpoint-url", help="aws-sts: another STS endpoint (a test one)"),
    duration: int = typer.Option(None, "--duration", min=900, max=43200, help="aws-sts: seconds the minted "
                                 "credentials last"),
    external_id: str = typer.Option(None, "--external-id", help="aws-sts: the role's external id"),
    replace: bool = typer.Option(False, "--replace", help="replace a profile of that name"),
) -> int:
    env = {variable: secret_value(variable) for variable in secret or []}
    if from_stdin:
        env.update(stdin_pairs())
    files = {variable: file_content(path) for variable, path in pairs(file or [])}
    kind: Kind = "aws-sts" if role_arn else "static"
    settings = {"role_arn": role_arn, "region": region, "endpoint_url": endpoint_url,
                "duration": str(duration) if duration else None, "external_id": external_id}
    try:
        profile = Vault().add(name, kind=kind, environments=environment, tools=tool, env=env, files=files,
                              settings={k: v for k, v in settings.items() if v}, replace=replace)
    except CredentialError as exc:
        raise fail(str(exc)) from exc
    record("credentials.added", profile.public())
    print(f"{profile.name}: {profile.kind} for {', '.join(profile.tools)} in {', '.join(profile.environments)}; "
          f"holds {', '.join(profile.variables) or 'nothing'}")
    return 0


@app.command(name="list", help=VERBS["list"])
def list_profiles(as_json: bool = typer.Option(False, "--json")) -> int:
    try:
        profiles = [p.public() for p in Vault().profiles()]
    except CredentialError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        print(json.dumps(profiles))
        return 0
    if not profiles:
        print("no credential profiles")
    for p in profiles:
        added = datetime.fromtimestamp(p["created_at"], UTC).strftime("%Y-%m-%d")
        extra = f"  role {p['settings']['role_arn']}" if p["settings"].get("role_arn") else ""
        print(f"{p['name']}  {p['kind']:<7} envs {','.join(p['environments'])}  tools {','.join(p['tools'])}  "
              f"holds {','.join(p['variables']) or '-'}  added {added}{extra}")
    return 0


@app.command(help=VERBS["remove"])
def remove(name: str = typer.Argument(...)) -> int:
    try:
        profile = Vault().remove(name)
    except CredentialError as exc:
        raise fail(str(exc)) from exc
    record("credentials.removed", {"name": profile.name, "kind": profile.kind})
    print(f"removed {profile.name}")
    return 0


def secret_value(variable: str) -> str:
    value = os.environ.get(variable)
    if value is not None:
        return value
    try:
        return getpass.getpass(f"value for {variable} (not shown): ")
    except (EOFError, KeyboardInterrupt) as exc:
        raise fail(f"no value for {variable}") from exc


def stdin_pairs() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in sys.stdin.read(1024 * 1024).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, eq, value = line.partition("=")
        if not eq:
            raise fail("standard input must hold NAME=VALUE lines", 2)
        found[name.strip().removeprefix("export ").strip()] = value
    return found


def pairs(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name or not value:
            raise fail(f"{item!r}: give VAR=PATH", 2)
        out.append((name, value))
    return out


def file_content(path: str) -> str:
    try:
        with Path(path).expanduser().open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise fail(f"{path} is larger than {MAX_FILE_BYTES // 1024} KiB")
    return raw.decode("utf-8", "replace")
