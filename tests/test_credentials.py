"""Credential profiles: encrypted at rest, chosen by tool and environment, the agent's own scrubbed; AWS
credentials minted per action against a local moto server, narrowed to the approved operation."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from changegate.broker import credentials
from changegate.broker.credentials import CredentialError, Need, Profile, Vault
from changegate.broker.session_policy import session_policy
from changegate.model import Effect
from tests.brokering import Gate

SECRET = "s3cr3t-value-that-must-not-show"


def profile(name: str, environments: tuple[str, ...], tools: tuple[str, ...]) -> Profile:
    return Profile(name=name, kind="static", environments=environments, tools=tools, variables=())


def effect(environment: str, family: str = "kubectl") -> Effect:
    return Effect(operation="delete", resource="k8s:x/namespace/y", environment=environment, family=family)


# --- at rest -------------------------------------------------------------------------------------------

def test_secrets_are_encrypted_at_rest_and_the_key_file_is_private(gate: Gate) -> None:
    vault = Vault()
    vault.add("prod-db", kind="static", environments=["prod"], tools=["psql"], env={"PGPASSWORD": SECRET},
              files={"PGSERVICEFILE": "[app]\npassword=" + SECRET + "\n"})
    stored = (gate.state / "credentials.json").read_text()
    assert SECRET not in stored and "PGPASSWORD" in stored  # the names are listed, the values are not
    assert (gate.state / "credentials.json").stat().st_mode & 0o777 == 0o600
    assert (gate.state / "secret.key").stat().st_mode & 0o777 == 0o600
    secrets = vault.secrets(vault.get("prod-db"))
    assert secrets.env == {"PGPASSWORD": SECRET} and SECRET in secrets.files["PGSERVICEFILE"]


def test_another_key_cannot_read_them_and_a_readable_key_file_is_refused(gate: Gate,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.fernet import Fernet

    Vault().add("p", kind="static", environments=["prod"], tools=["*"], env={"TOKEN": SECRET})
    monkeypatch.setenv(credentials.KEY_ENV, Fernet.generate_key().decode())
    with pytest.raises(CredentialError, match="cannot be decrypted"):
        Vault().secrets(Vault().get("p"))
    monkeypatch.delenv(credentials.KEY_ENV)
    (gate.state / "secret.key").chmod(0o644)
    with pytest.raises(CredentialError, match="can be read by others"):
        Vault().secrets(Vault().get("p"))


def test_the_cli_never_prints_a_secret(gate: Gate, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from changegate.cli import run as cli_run

    monkeypatch.setenv("VAULT_TOKEN", SECRET)
    assert cli_run(["credentials", "add", "vault", "-e", "prod", "-t", "vault", "--secret", "VAULT_TOKEN"]) == 0
    assert cli_run(["credentials", "list"]) == 0
    assert cli_run(["credentials", "add", "vault", "-e", "prod", "-t", "vault", "--secret", "VAULT_TOKEN"]) == 1
    assert cli_run(["credentials", "remove", "vault"]) == 0
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err and "VAULT_TOKEN" in out.out
    assert Vault().profiles() == []
    assert SECRET not in gate.audit_text() and "credentials.added" in {r.kind for r in gate.records()}


# --- choosing and scrubbing ------------------------------------------------------------------------------

def test_a_profile_serves_only_its_tools_and_environments() -> None:
    prod = profile("prod-kube", ("prod",), ("kubectl", "helm"))
    staging = profile("staging-kube", ("staging",), ("kubectl",))
    anything = profile("everything-prod", ("prod",), ("*",))
    kubectl_prod = Need.of(["kubectl", "delete", "ns", "x"], [effect("prod")])
    assert credentials.choose([prod, staging], kubectl_prod) is prod
    assert credentials.choose([prod, anything], kubectl_prod) is prod  # naming the tool beats *
    assert credentials.choose([staging], kubectl_prod) is None
    assert credentials.choose([prod], Need.of(["kubectl"], [effect("prod"), effect("staging")])) is None
    assert credentials.choose([prod], Need.of(["kubectl"], [effect("unknown")])) is None  # unknown is not prod
    assert credentials.choose([prod], Need.of(["bash", "-c", "kubectl get pods"], [effect("prod")])) is prod
    with pytest.raises(CredentialError, match="both fit"):
        credentials.choose([prod, profile("prod-kube-2", ("prod",), ("kubectl",))], kubectl_prod)


@pytest.mark.parametrize("name, scrubbed", [
    ("AWS_SECRET_ACCESS_KEY", True), ("AWS_PROFILE", True), ("AWS_REGION", False), ("GITHUB_TOKEN", True),
    ("OPENAI_API_KEY", True), ("KUBECONFIG", True), ("GOOGLE_APPLICATION_CREDENTIALS", True),
    ("PGPASSWORD", True), ("SSH_AUTH_SOCK", True), ("ARM_CLIENT_SECRET", True), ("CHANGEGATE_SECRET_KEY", True),
    ("TF_VAR_db_password", True), ("GIT_AUTHOR_NAME", False), ("PWD", False), ("HOME", False), ("PATH", False),
    ("XDG_SESSION_ID", False), ("AWS_ENDPOINT_URL_S3", False),
])
def test_which_agent_variables_are_credentials(name: str, scrubbed: bool) -> None:
    assert credentials.is_agent_credential(name) is scrubbed


def test_a_url_keeps_its_target_and_loses_its_password() -> None:
    kept, removed = credentials.scrub_agent_env({"DATABASE_URL": "postgresql://app:pw@db.prod:5432/app",
                                                 "REDIS_URL": "redis://:hunter2@cache:6379/0", "HOME": "/h"})
    assert kept == {"DATABASE_URL": "postgresql://app@db.prod:5432/app", "REDIS_URL": "redis://@cache:6379/0",
                    "HOME": "/h"}
    assert removed == ["DATABASE_URL", "REDIS_URL"]


# --- AWS: minted per action, narrowed to it --------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def moto_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A moto server with a user that may assume a role that may do anything in S3, and a bucket.

    moto 5 records an AssumeRole session policy but does not evaluate it; AWS evaluates it as an
    intersection with the role's own policies. The wrapper below adds exactly that evaluation (moto's own
    policy engine, applied to the session policy too), so the test exercises the real rule."""
    pytest.importorskip("moto")
    import boto3
    from moto import settings
    from moto.iam.access_control import AssumedRoleAccessKey, IAMPolicy, IAMRequestBase, PermissionResult
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.sts.models import sts_backends

    original = IAMRequestBase.check_action_permitted

    def with_session_policy(self: Any, resource: str) -> None:
        original(self, resource)
        key = self._access_key
        if isinstance(key, AssumedRoleAccessKey):
            for role in sts_backends[key.account_id][key.partition].assumed_roles:
                if role.access_key_id != key._access_key_id or not role.policy:
                    continue
                if IAMPolicy(role.policy).is_action_permitted(self._action, resource) != PermissionResult.PERMITTED:
                    self._raise_access_denied()

    monkeypatch.setattr(IAMRequestBase, "check_action_permitted", with_session_policy)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    base = {"endpoint_url": endpoint, "region_name": "us-east-1", "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing"}
    try:
        iam = boto3.client("iam", **base)
        iam.create_user(UserName="gate")
        iam.put_user_policy(UserName="gate", PolicyName="assume", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="gate")["AccessKey"]
        account = boto3.client("sts", **base).get_caller_identity()["Account"]
        role = iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"AWS": f"arn:aws:iam::{account}:user/gate"}}]}))
        iam.put_role_policy(RoleName="deployer", PolicyName="s3-everything", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        s3 = boto3.client("s3", **base)
        s3.create_bucket(Bucket="reports")
        for name in ("q3.csv", "q4.csv"):
            s3.put_object(Bucket="reports", Key=name, Body=b"numbers")
        monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)  # from here on, every call is checked
        yield {"endpoint": endpoint, "key": key, "role_arn": role["Role"]["Arn"]}
    finally:
        server.stop()


def s3_with(env: dict[str, str]) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                        aws_session_token=env["AWS_SESSION_TOKEN"], config=Config(s3={"addressing_style": "path"}))


def test_aws_credentials_are_minted_for_the_approved_operation_only(gate: Gate, moto_aws: dict[str, Any]) -> None:
    from botocore.exceptions import ClientError

    vault = Vault()
    vault.add("prod-aws", kind="aws-sts", environments=["prod"], tools=["aws"],
              env={"AWS_ACCESS_KEY_ID": moto_aws["key"]["AccessKeyId"],
                   "AWS_SECRET_ACCESS_KEY": moto_aws["key"]["SecretAccessKey"]},
              settings={"role_arn": moto_aws["role_arn"], "region": "us-east-1", "endpoint_url": moto_aws["endpoint"]})
    approved = ["aws", "s3", "rm", "s3://reports/q3.csv"]
    assert session_policy(approved) == {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": ["arn:aws:s3:::reports/q3.csv"]}]}

    child = credentials.child_environment({"PATH": "/usr/bin", "AWS_SECRET_ACCESS_KEY": "agent"}, path="/usr/bin")
    try:
        credentials.inject(child, vault, vault.get("prod-aws"), argv=approved, effects=[],
                           session_name="changegate-req_0123456789abcdef")
        minted = child.env
        assert minted["AWS_ACCESS_KEY_ID"] != moto_aws["key"]["AccessKeyId"]  # short-lived, not the source key
        assert minted["AWS_SESSION_TOKEN"] and child.session_policy is not None
        s3 = s3_with(minted)
        s3.delete_object(Bucket="reports", Key="q3.csv")  # the approved operation on the approved object
        with pytest.raises(ClientError, match="AccessDenied"):
            s3.delete_object(Bucket="reports", Key="q4.csv")  # the same operation, another object
        with pytest.raises(ClientError, match="AccessDenied"):
            s3.list_objects_v2(Bucket="reports")  # another operation
        with pytest.raises(ClientError, match="AccessDenied"):
            s3.delete_bucket(Bucket="reports")
    finally:
        child.cleanup()

    # control: the same role minted without narrowing could have deleted it (so the narrowing is what stopped it)
    unnarrowed = credentials.mint_aws(vault.get("prod-aws"), vault.secrets(vault.get("prod-aws")), None, "control")
    s3_with(unnarrowed).delete_object(Bucket="reports", Key="q4.csv")


def test_the_session_policy_follows_the_operation() -> None:
    assert session_policy(["aws", "--profile", "prod", "ec2", "terminate-instances", "--instance-ids", "i-1"]) == {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:TerminateInstances",
                                                "Resource": ["*"]}]}
    recursive = session_policy(["aws", "s3", "rm", "s3://logs/2024/", "--recursive"])
    assert recursive is not None
    assert {s["Action"]: s["Resource"] for s in recursive["Statement"]} == {
        "s3:DeleteObject": ["arn:aws:s3:::logs/2024/*"], "s3:ListBucket": ["arn:aws:s3:::logs"]}
    assert session_policy(["aws", "lambda", "invoke", "--function-name", "f"])["Statement"][0]["Action"] == \
        "lambda:InvokeFunction"  # type: ignore[index]
    assert session_policy(["aws", "no-such-service", "do-thing"]) is None
    assert session_policy(["terraform", "apply"]) is None
