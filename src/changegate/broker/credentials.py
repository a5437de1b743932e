"""Credentials held by the gate, not the agent.

A *profile* is a set of credentials bound to environments (`prod`, `staging`, …) and tools (`kubectl`,
`aws`, … or `*`). It lives in the gate's state directory (`credentials.json`, 0600), its secrets encrypted
with Fernet under a key from `CHANGEGATE_SECRET_KEY` or the key file `secret.key` (0600, created on first
use; a key file others can read is refused). Kinds:

- `static`: environment variables and files. A file (a kubeconfig, an AWS shared config or credentials file,
  a key) is written into a private directory (0700) for the one child process, and its variable points at
  it; a variable's value may name that directory as `{dir}` (`GIT_SSH_COMMAND=ssh -i {dir}/KEY`).
- `aws-sts`: short-lived AWS credentials minted per action with STS AssumeRole, with a session policy
  narrowed to the approved action's service, operation and resources where they are known
  (see `session_policy.py`). The profile holds the source credentials and the role.

The broker injects a profile only into the process of an allowed or approved action, only when every
environment the action touches is one the profile is bound to and its tool is one of the profile's, and
only into a program that the gate's user (or root) owns in a directory nobody else can write. Before that
it scrubs the agent's own credentials from the child's environment (see `scrub_agent_env`) and points the
tools' credential files at empty ones, so a tool without a profile runs with no credentials at all rather
than the agent's. Secret values are never logged and never printed back.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from changegate.broker.session_policy import session_policy
from changegate.model import Effect
from changegate.state import state_dir
from changegate.understand.cli import CODE_LOADING_VARIABLES, matches_table

KEY_ENV = "CHANGEGATE_SECRET_KEY"
KEY_FILE = "secret.key"
PROFILES_FILE = "credentials.json"
MAX_PROFILES = 200
MAX_SECRET_BYTES = 1024 * 1024  # one profile's secrets, all values together
MAX_FILE_BYTES = 256 * 1024  # one credential file (a kubeconfig is a few KiB)
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
ANY_TOOL = "*"
DIR_PLACEHOLDER = "{dir}"

Kind = Literal["static", "aws-sts"]
KINDS: tuple[str, ...] = ("static", "aws-sts")
AWS_SOURCE_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
AWS_SETTINGS = ("role_arn", "region", "endpoint_url", "duration", "external_id")
DEFAULT_STS_DURATION_S = 900  # STS's minimum: an approved action rarely needs longer


class CredentialError(Exception):
    """A credential profile cannot be stored, read, chosen or minted; the message says why in plain words."""


# --- the agent's own credentials: scrubbed from every child ---------------------------------------------

# Variables that hold or point at credentials, by exact name.
CREDENTIAL_VARIABLES = frozenset({
    "KUBECONFIG", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CREDENTIALS", "GOOGLE_CLOUD_KEYFILE_JSON",
    "GOOGLE_OAUTH_ACCESS_TOKEN", "CLOUDSDK_CONFIG", "AZURE_CONFIG_DIR", "DATABASE_URL", "PGPASSWORD",
    "PGPASSFILE", "PGSERVICEFILE", "MYSQL_PWD", "REDISCLI_AUTH", "SSH_AUTH_SOCK", "DOCKER_AUTH_CONFIG",
    "VAULT_TOKEN", "NETRC", "HELM_KUBETOKEN", "HELM_KUBEAPISERVER", "TF_TOKEN", "KUBE_TOKEN",
    "CHANGEGATE_TOKEN", "CHANGEGATE_SECRET_KEY", "CHANGEGATE_DATABASE_URL",
})
# Whole families of variables: every AWS_*, AZURE_*, ARM_* (the azurerm provider) and CLOUDSDK_AUTH_* one …
CREDENTIAL_PREFIXES = ("AWS_", "AZURE_", "ARM_", "CLOUDSDK_AUTH_", "TF_TOKEN_", "OS_PASSWORD", "OP_SESSION_")
# … except these, which say where and how, not as whom (an endpoint or a region changes no one's rights)
NOT_CREDENTIALS = frozenset({
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PAGER", "AWS_DEFAULT_OUTPUT", "AWS_CA_BUNDLE", "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE", "AWS_ENDPOINT_URL", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_CLI_AUTO_PROMPT", "AWS_CLI_FILE_ENCODING", "AZURE_CORE_OUTPUT", "AZURE_CORE_ONLY_SHOW_ERRORS",
})
# Name words that mean a secret (matched as whole `_`-separated words, so GIT_AUTHOR_NAME and PWD pass).
SECRET_WORDS = frozenset({"TOKEN", "TOKENS", "PASSWORD", "PASSWD", "PASS", "SECRET", "SECRETS", "CREDENTIAL",
                          "CREDENTIALS", "APIKEY", "PASSPHRASE", "DSN", "COOKIE"})
SECRET_SUFFIXES = ("_API_KEY", "_ACCESS_KEY", "_SECRET_KEY", "_PRIVATE_KEY", "_AUTH", "_PWD", "_DATABASE_URL",
                   "_CONNECTION_STRING", "_KEY_ID", "_SSH_KEY", "_SIGNING_KEY")
URL_WITH_PASSWORD = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):(?P<password>[^@\s/]*)@")
KEEP_NAMES = frozenset({"PWD", "OLDPWD"})
MIN_SECRET_CHARS = 6  # shorter injected values are not looked for in the output (they would match anything)

# Where tools look for credentials when no variable says: pointed at empty files or directories in the
# child's private directory, so a tool the gate holds no profile for cannot fall back to the agent's own.
ISOLATED_CONFIG: dict[str, Literal["file", "dir"]] = {
    "KUBECONFIG": "file", "AWS_SHARED_CREDENTIALS_FILE": "file", "AWS_CONFIG_FILE": "file",
    "CLOUDSDK_CONFIG": "dir", "AZURE_CONFIG_DIR": "dir", "PGPASSFILE": "file",
}


def is_agent_credential(name: str) -> bool:
    """Whether an environment variable of the agent's holds (or points at) a credential."""
    upper = name.upper()
    if upper in KEEP_NAMES or upper in NOT_CREDENTIALS or upper.startswith("AWS_ENDPOINT_URL_"):
        return False
    if upper in CREDENTIAL_VARIABLES or upper.startswith(CREDENTIAL_PREFIXES) or upper.endswith(SECRET_SUFFIXES):
        return True
    return bool(SECRET_WORDS.intersection(upper.split("_")))


def without_password(value: str) -> str | None:
    """A URL with its password removed (the user, host and database stay), or None if it has none."""
    match = URL_WITH_PASSWORD.match(value)
    if match is None:
        return None
    return match["head"] + "@" + value[match.end():]


def scrub_agent_env(env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The agent's environment without its credentials: (kept, names removed or cut).

    A URL that names a target (DATABASE_URL=postgres://app:pw@db.prod/app) keeps the target and loses the
    password: the child still goes where the action was checked to go, as nobody, instead of falling back
    to some default target."""
    kept: dict[str, str] = {}
    removed: list[str] = []
    for name, value in env.items():
        stripped = without_password(value)
        if is_agent_credential(name):
            removed.append(name)
            if stripped is not None:
                kept[name] = stripped
        elif stripped is not None:
            removed.append(name)
            kept[name] = stripped
        else:
            kept[name] = value
    return kept, sorted(removed)


# --- profiles ------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    kind: Kind
    environments: tuple[str, ...]
    tools: tuple[str, ...]
    variables: tuple[str, ...]  # the names it injects (static) or holds (aws-sts source): shown, never values
    settings: dict[str, str] = field(default_factory=dict)  # not secret: role_arn, region, endpoint_url, …
    created_at: float = 0.0
    token: str = ""  # the Fernet token of the secrets

    def public(self) -> dict[str, Any]:
        """What `credentials list` shows and the audit log records: everything but the secrets."""
        return {"name": self.name, "kind": self.kind, "environments": list(self.environments),
                "tools": list(self.tools), "variables": list(self.variables), "settings": dict(self.settings),
                "created_at": self.created_at}


@dataclass(frozen=True, slots=True)
class Secrets:
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # variable -> file content


class Vault:
    """The profiles in the gate's state directory."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else state_dir()
        self.path = self.directory / PROFILES_FILE

    # --- reading ---------------------------------------------------------------------------------------

    def profiles(self) -> list[Profile]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise CredentialError(f"cannot read {self.path}: {exc.strerror}") from exc
        try:
            doc = json.loads(raw)
            return [profile_of(item) for item in doc.get("profiles", [])[:MAX_PROFILES]]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CredentialError(f"{self.path} is not a changegate credentials file ({exc})") from exc

    def get(self, name: str) -> Profile:
        for profile in self.profiles():
            if profile.name == name:
                return profile
        raise CredentialError(f"no credential profile {name!r}")

    def secrets(self, profile: Profile) -> Secrets:
        from cryptography.fernet import InvalidToken

        try:
            doc = json.loads(fernet(self.directory).decrypt(profile.token.encode("ascii")))
        except InvalidToken as exc:
            raise CredentialError(f"the secrets of profile {profile.name!r} cannot be decrypted with this key "
                                  f"({KEY_ENV} or {self.directory / KEY_FILE}): was the key changed?") from exc
        return Secrets(env=dict(doc.get("env", {})), files=dict(doc.get("files", {})))

    # --- changing --------------------------------------------------------------------------------------

    def add(self, name: str, *, kind: Kind, environments: Sequence[str], tools: Sequence[str],
            env: Mapping[str, str] | None = None, files: Mapping[str, str] | None = None,
            settings: Mapping[str, str] | None = None, replace: bool = False) -> Profile:
        secrets = Secrets(env=dict(env or {}), files=dict(files or {}))
        clean_settings = {k: str(v) for k, v in (settings or {}).items() if v not in (None, "")}
        validate(name, kind, environments, tools, secrets, clean_settings)
        encoded = json.dumps({"env": secrets.env, "files": secrets.files}).encode()
        profile = Profile(
            name=name, kind=kind, environments=tuple(dict.fromkeys(e.lower() for e in environments)),
            tools=tuple(dict.fromkeys(tools)), variables=tuple(sorted({*secrets.env, *secrets.files})),
            settings=clean_settings, created_at=time.time(),
            token=fernet(self.directory).encrypt(encoded).decode("ascii"))
        with self._locked():
            current = [p for p in self.profiles() if p.name != name]
            if len(current) != len(self.profiles()) and not replace:
                raise CredentialError(f"a profile {name!r} exists already; remove it first, or use --replace")
            if len(current) >= MAX_PROFILES:
                raise CredentialError(f"there are {MAX_PROFILES} profiles already")
            self._write([*current, profile])
        return profile

    def remove(self, name: str) -> Profile:
        with self._locked():
            profiles = self.profiles()
            found = next((p for p in profiles if p.name == name), None)
            if found is None:
                raise CredentialError(f"no credential profile {name!r}")
            self._write([p for p in profiles if p.name != name])
        return found

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(self.directory / f"{PROFILES_FILE}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)

    def _write(self, profiles: list[Profile]) -> None:
        doc = {"version": 1, "profiles": [{**p.public(), "token": p.token} for p in profiles]}
        descriptor, temporary = tempfile.mkstemp(prefix=".credentials.", dir=self.directory)
        try:
            with os.fdopen(descriptor, "w") as handle:  # mkstemp creates it 0600
                json.dump(doc, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def profile_of(item: dict[str, Any]) -> Profile:
    kind = item["kind"]
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return Profile(name=str(item["name"]), kind=kind, environments=tuple(item["environments"]),
                   tools=tuple(item["tools"]), variables=tuple(item.get("variables", ())),
                   settings={str(k): str(v) for k, v in item.get("settings", {}).items()},
                   created_at=float(item.get("created_at", 0.0)), token=str(item["token"]))


def validate(name: str, kind: str, environments: Sequence[str], tools: Sequence[str], secrets: Secrets,
             settings: Mapping[str, str]) -> None:
    if not PROFILE_NAME.fullmatch(name):
        raise CredentialError(f"{name!r} is not a profile name (letters, digits, '.', '_', '-'; at most 64)")
    if kind not in KINDS:
        raise CredentialError(f"kind must be one of {', '.join(KINDS)}")
    if not environments or not all(e.strip() for e in environments):
        raise CredentialError("bind the profile to at least one environment (--environment prod)")
    if not tools or not all(t.strip() for t in tools):
        raise CredentialError(f"bind the profile to at least one tool (--tool kubectl), or {ANY_TOOL!r} for any")
    for variable in [*secrets.env, *secrets.files]:
        if not VARIABLE_NAME.fullmatch(variable):
            raise CredentialError(f"{variable!r} is not an environment variable name")
    if sum(len(v) for v in [*secrets.env.values(), *secrets.files.values()]) > MAX_SECRET_BYTES:
        raise CredentialError(f"the secrets are larger than {MAX_SECRET_BYTES // 1024} KiB")
    unknown = set(settings) - set(AWS_SETTINGS)
    if unknown:
        raise CredentialError(f"unknown setting(s) {', '.join(sorted(unknown))}")
    if kind == "aws-sts":
        if not settings.get("role_arn", "").startswith("arn:"):
            raise CredentialError("an aws-sts profile needs the role to assume (--role-arn arn:aws:iam::…:role/…)")
        missing = [v for v in AWS_SOURCE_VARIABLES if v not in secrets.env]
        if missing:
            raise CredentialError(f"an aws-sts profile needs the source credentials {', '.join(missing)}")
        if secrets.files:
            raise CredentialError("an aws-sts profile holds source credentials only, no files")
    elif settings:
        raise CredentialError(f"{', '.join(sorted(settings))} apply to aws-sts profiles only")


# --- the key -------------------------------------------------------------------------------------------

def fernet(directory: Path) -> Any:
    """The Fernet cipher: the key from CHANGEGATE_SECRET_KEY, or the key file (created 0600 on first use)."""
    from cryptography.fernet import Fernet

    configured = os.environ.get(KEY_ENV, "").strip()
    try:
        if configured:
            return Fernet(configured.encode("ascii"))
        return Fernet(key_from_file(directory / KEY_FILE))
    except (ValueError, UnicodeEncodeError) as exc:
        raise CredentialError(f"the secret key is not a Fernet key (32 url-safe base64 bytes): {exc}") from exc


def key_from_file(path: Path) -> bytes:
    from cryptography.fernet import Fernet

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key())
    info = path.stat()
    if info.st_mode & 0o077:
        raise CredentialError(f"{path} can be read by others (mode {stat.filemode(info.st_mode)}); "
                              f"chmod 600 it, or set {KEY_ENV}")
    if info.st_uid != os.geteuid():
        raise CredentialError(f"{path} belongs to another user; the gate's key must be its own")
    return path.read_bytes().strip()


# --- choosing a profile for an action --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Need:
    """What an action needs credentials for: its program and the families and environments it touches."""

    tool: str
    families: frozenset[str]
    environments: frozenset[str]

    @classmethod
    def of(cls, argv: Sequence[str], effects: Iterable[Effect]) -> Need:
        listed = list(effects)
        return cls(tool=os.path.basename(argv[0]) if argv else "",
                   families=frozenset(e.family for e in listed if e.family),
                   environments=frozenset(e.environment for e in listed))


def matches(profile: Profile, need: Need) -> bool:
    """A profile serves an action when it is bound to its tool (or any) and to every environment it touches.
    `local` never needs a binding; an action that only touches local things needs a profile bound to local."""
    tools = set(profile.tools)
    if ANY_TOOL not in tools and not tools & ({need.tool} | need.families):
        return False
    bound = set(profile.environments)
    remote = need.environments - {"local"}
    if not remote:
        return "local" in bound
    return remote <= bound


def choose(profiles: Iterable[Profile], need: Need) -> Profile | None:
    """The one profile for this action: among those that match, the ones naming the tool beat `*`, then the
    narrowest binding wins; two equally good ones are a configuration mistake, refused rather than guessed."""
    fitting = [p for p in profiles if matches(p, need)]
    if not fitting:
        return None

    def rank(p: Profile) -> tuple[int, int]:
        named = need.tool in p.tools or bool(need.families & set(p.tools))
        return (0 if named else 1, len(p.environments))

    fitting.sort(key=rank)
    if len(fitting) > 1 and rank(fitting[0]) == rank(fitting[1]):
        raise CredentialError(f"profiles {fitting[0].name!r} and {fitting[1].name!r} both fit this action "
                              f"({need.tool} in {', '.join(sorted(need.environments)) or 'no environment'}); "
                              "narrow one of them")
    return fitting[0]


def trusted_program(path: str) -> str | None:
    """Why a program may not receive credentials, or None when it may: it and its directory must belong to
    root or the gate's own user and be writable by nobody else (else the agent could have put it there)."""
    me = os.geteuid()
    for target in (Path(path), Path(path).parent):
        try:
            info = target.stat()
        except OSError as exc:
            return f"{target} cannot be examined ({exc.strerror})"
        if info.st_uid not in (0, me):
            return f"{target} belongs to another user (uid {info.st_uid})"
        if info.st_mode & 0o022 and not (target.is_dir() and info.st_mode & stat.S_ISVTX and info.st_uid == 0):
            return f"{target} can be changed by others (mode {stat.filemode(info.st_mode)})"
    return None


# --- the child's environment ---------------------------------------------------------------------------

@dataclass
class ChildEnvironment:
    """The environment an approved action runs with, and the private directory its files live in."""

    env: dict[str, str]
    private_dir: Path
    scrubbed: list[str]
    injected: list[str] = field(default_factory=list)
    profile: str | None = None
    session_policy: dict[str, Any] | None = None
    # the values it injected (never recorded): the broker takes them out of the output it records
    secret_values: dict[str, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)  # code-loading variables taken out (see `inject`)

    def record(self) -> dict[str, Any]:
        """For the audit log: names only."""
        out: dict[str, Any] = {"profile": self.profile, "injected": self.injected, "scrubbed": self.scrubbed}
        if self.dropped:
            out["dropped"] = self.dropped
        if self.session_policy is not None:
            out["session_policy"] = self.session_policy
        return out

    def cleanup(self) -> None:
        shutil.rmtree(self.private_dir, ignore_errors=True)


def child_environment(agent_env: Mapping[str, str], *, path: str) -> ChildEnvironment:
    """The agent's environment without its credentials, with PATH given and the tools' credential files
    pointed at empty ones in a fresh private directory."""
    kept, removed = scrub_agent_env(agent_env)
    private = Path(tempfile.mkdtemp(prefix="changegate-run-"))  # 0700
    kept["PATH"] = path
    for variable, shape in ISOLATED_CONFIG.items():
        target = private / "isolated" / variable.lower()
        if shape == "dir":
            target.mkdir(parents=True, mode=0o700)
        else:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            target.touch(mode=0o600)
        kept[variable] = str(target)
    return ChildEnvironment(env=kept, private_dir=private, scrubbed=removed)


def inject(child: ChildEnvironment, vault: Vault, profile: Profile, *, argv: Sequence[str],
           effects: Sequence[Effect], session_name: str) -> None:
    """Put a profile's credentials into the child's environment (files into its private directory)."""
    secrets = vault.secrets(profile)
    if profile.kind == "aws-sts":
        policy = session_policy(argv, effects)
        minted = mint_aws(profile, secrets, policy, session_name)
        child.env.update(minted)
        child.injected = sorted(minted)
        child.session_policy = policy if policy is not None else {"narrowed": False}
    else:
        folder = child.private_dir / "profile"
        folder.mkdir(mode=0o700)
        for variable, content in secrets.files.items():
            target = folder / variable.lower()
            descriptor = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(content)
            child.env[variable] = str(target)
        for variable, value in secrets.env.items():
            child.env[variable] = value.replace(DIR_PLACEHOLDER, str(folder))
        child.injected = sorted({*secrets.env, *secrets.files})
        child.secret_values.update({f"file {name}": text for name, text in secrets.files.items()})
    # every injected value but a path into the private directory and the few that only say where (a region)
    child.secret_values.update({name: child.env[name] for name in child.injected if name in child.env
                                and name.upper() not in NOT_CREDENTIALS and len(child.env[name]) >= MIN_SECRET_CHARS
                                and not child.env[name].startswith(str(child.private_dir))})
    child.profile = profile.name
    drop_code_loading(child)


def drop_code_loading(child: ChildEnvironment) -> None:
    """A child that holds credentials the gate injected loads no code the agent chose through its environment
    (LD_PRELOAD, BASH_ENV, PYTHONPATH, NODE_OPTIONS, …): such code would read the credentials. The action's
    hash binds these variables too; dropping them here is the second wall."""
    for name in sorted(child.env):
        if matches_table(name, CODE_LOADING_VARIABLES):
            del child.env[name]
            child.dropped.append(name)


# --- AWS: credentials minted per action ------------------------------------------------------------------

STS_SESSION_NAME = re.compile(r"[^\w+=,.@-]")
MAX_SESSION_POLICY_CHARS = 2048  # STS refuses a longer inline session policy


def mint_aws(profile: Profile, secrets: Secrets, policy: dict[str, Any] | None, session_name: str) -> dict[str, str]:
    """AssumeRole with the profile's source credentials and the session policy; the minted credentials as
    environment variables for the child."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    settings = profile.settings
    region = settings.get("region") or "us-east-1"
    client = boto3.client(
        "sts", region_name=region, endpoint_url=settings.get("endpoint_url") or None,
        aws_access_key_id=secrets.env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=secrets.env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=secrets.env.get("AWS_SESSION_TOKEN") or None)
    request: dict[str, Any] = {
        "RoleArn": settings["role_arn"],
        "RoleSessionName": STS_SESSION_NAME.sub("-", session_name)[:64] or "changegate",
        "DurationSeconds": int(settings.get("duration") or DEFAULT_STS_DURATION_S),
    }
    if settings.get("external_id"):
        request["ExternalId"] = settings["external_id"]
    if policy is not None:
        packed = json.dumps(policy, separators=(",", ":"))
        if len(packed) > MAX_SESSION_POLICY_CHARS:
            raise CredentialError(f"the session policy for this action is {len(packed)} characters, more than "
                                  f"STS accepts ({MAX_SESSION_POLICY_CHARS}); split the action")
        request["Policy"] = packed
    try:
        answer = client.assume_role(**request)
    except (BotoCoreError, ClientError) as exc:
        raise CredentialError(f"STS did not mint credentials for profile {profile.name!r}: {exc}") from exc
    minted = answer["Credentials"]
    env = {"AWS_ACCESS_KEY_ID": minted["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": minted["SecretAccessKey"],
           "AWS_SESSION_TOKEN": minted["SessionToken"], "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    if settings.get("endpoint_url"):
        env["AWS_ENDPOINT_URL"] = settings["endpoint_url"]
    return env
