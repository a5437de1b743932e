"""Where AWS credentials point: the endpoint, the profile and the account it works in.

`aws`, and the tools that act through AWS credentials (chamber, aws-vault, terraform, the stack deployers),
are placed alike: a local endpoint first (`--endpoint-url`, AWS_ENDPOINT_URL), then the profile
(`--profile`, AWS_PROFILE) and the account it assumes in `~/.aws/config` (read from the action's HOME, or
AWS_CONFIG_FILE; an `aws configure set` earlier on the line counts), then the names of the resources.

An account says more than a profile's name: where the policy does not map it, the configuration itself
does — a profile works where the other profiles of the same account are named (a look-alike `dеv` profile
in the account of `prod` is prod). A config file outside `~/.aws` (one the agent could have written) vouches
for no name: a profile in it whose account nothing else places is unknown.
"""

from __future__ import annotations

import configparser
import functools
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from changegate.environments import LOCAL, SEVERITY, UNKNOWN, Placement
from changegate.understand.base import UNKNOWN_PART, Context, Invocation
from changegate.understand.commands.cloud.base import aws_profile, strongest_named
from changegate.understand.facts import read_config
from changegate.understand.placement import place_name, place_url

# `aws configure set` earlier on the line: switched["aws-config:PROFILE:KEY"] = value, for the keys that
# decide the account a profile works in
SWITCHED_CONFIG = "aws-config"
ACCOUNT_KEYS = ("role_arn", "sso_account_id", "source_profile")
CONFIG_READ_LIMIT = 256 * 1024  # a config file larger than this is not read (the placement stays unknown)
MAX_PROFILE_CHAIN = 5  # source_profile hops followed to find the account a profile assumes
MAX_PROFILES = 200  # profiles of one config file compared by account
ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):")
URL_ACCOUNT = re.compile(r"amazonaws\.com/(\d{12})/")
NO_PROFILE = ("no AWS profile is set and the default profile's account is not mapped: the credentials could be "
              "anything (unknown is treated as prod)")


def config_path(ctx: Context) -> str | None:
    explicit = ctx.getenv("AWS_CONFIG_FILE")
    if explicit:
        return ctx.resolve(explicit)
    return own_config_path(ctx)


def own_config_path(ctx: Context) -> str | None:
    """The user's own configuration, `~/.aws/config`."""
    return posixpath.join(ctx.home, ".aws", "config") if ctx.home else None


def read_aws_config(ctx: Context, path: str | None) -> configparser.ConfigParser | None:
    """A config file as this command line leaves it (written earlier on the line, else on disk). A file
    that is not a regular file (`AWS_CONFIG_FILE=/dev/stdin`, a FIFO) is not read: it names no account."""
    if not path:
        return None
    written = ctx.files.get(path)
    text = (None if written == UNKNOWN_PART else written) if written is not None else read_config(
        path, limit=CONFIG_READ_LIMIT)
    if text is None:
        return None
    return parsed_config(text)


@functools.lru_cache(maxsize=32)
def parsed_config(text: str) -> configparser.ConfigParser | None:
    """The parsed file, kept by its text: every aws command reads the same config (configparser costs
    ~100 µs a read). Shared between decisions: read it, never change it."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return parser


def profile_values(ctx: Context, parser: configparser.ConfigParser, name: str, *, used: bool) -> dict[str, str]:
    """A profile's settings that decide its account; in the config the command uses (`used`), with what an
    `aws configure set` earlier on the line set."""
    section = "default" if name == "default" else f"profile {name}"
    if not parser.has_section(section) and name == "default":
        section = "profile default"
    values = {key: parser.get(section, key, fallback="") for key in ACCOUNT_KEYS} if parser.has_section(
        section) else {}
    if used:
        for key in ACCOUNT_KEYS:
            written = ctx.switched.get(f"{SWITCHED_CONFIG}:{name}:{key}")
            if written is not None:
                values[key] = written
    return values


def account_in(ctx: Context, parser: configparser.ConfigParser, profile: str, *, used: bool) -> str | None:
    """The account a profile works in: `role_arn` or `sso_account_id`, following `source_profile`."""
    name = profile
    for _ in range(MAX_PROFILE_CHAIN):
        values = profile_values(ctx, parser, name, used=used)
        role = values.get("role_arn", "")
        match = ARN_ACCOUNT.match(role + ":") if role else None
        account = (match.group(1) if match else None) or values.get("sso_account_id") or None
        if account or not values.get("source_profile"):
            return account
        name = values["source_profile"]
    return None


def profile_account(ctx: Context, profile: str) -> str | None:
    """The account a profile works in, from the config the command uses (`~/.aws/config` in the action's
    HOME, or AWS_CONFIG_FILE). Recorded in `ctx.consulted`: the approval binds to it."""
    parser = read_aws_config(ctx, config_path(ctx))
    if parser is None:
        return None
    account = account_in(ctx, parser, profile, used=True)
    ctx.consulted[f"aws-config:{profile}"] = account or ""
    return account


def account_placement(ctx: Context, account: str) -> Placement | None:
    """What the configs on this machine say about an account: the names of the profiles that work in it and
    of the roles they assume, the most severe first; None when none names an environment. A config outside
    `~/.aws` can only make an account more severe (the agent may have written it)."""
    used, own = config_path(ctx), own_config_path(ctx)
    candidates: list[Placement] = []
    for path in dict.fromkeys(p for p in (used, own) if p):
        parser = read_aws_config(ctx, path)
        if parser is None:
            continue
        for section in parser.sections()[:MAX_PROFILES]:
            name = section.removeprefix("profile ").strip()
            if account_in(ctx, parser, name, used=path == used) != account:
                continue
            role = parser.get(section, "role_arn", fallback="").rsplit("/", 1)[-1]
            found = [place_name(ctx.environments, name, f"AWS profile {name!r} of account {account} in {path}"),
                     *([place_name(ctx.environments, role, f"role {role!r} of account {account} in {path}")]
                       if role else [])]
            candidates.extend(p for p in found if path == own or SEVERITY[p.environment] > SEVERITY[UNKNOWN])
    return strongest_named(candidates)


def profile_placement(ctx: Context, profile: str | None, source: str) -> Placement | None:
    """Where a profile works, for tools that only read AWS_PROFILE (terraform, cdk): the account's mapping,
    then the strongest of its name and what the configs say about its account; None when nothing names an
    environment."""
    if not profile:
        return None
    environments = ctx.environments
    account = profile_account(ctx, profile)
    mapped = environments.mapped("aws_accounts", account) if account else None
    if mapped:
        return Placement(mapped, f"AWS account {account} (of profile {profile!r}) is mapped to {mapped} by the policy")
    by_name = environments.aws_profile(profile, None, f"AWS profile ({source})")
    if environments.mapped("aws_profiles", profile) or environments.mapped("names", profile):
        return by_name
    by_account = account_placement(ctx, account) if account else None
    if account and by_account is None and not uses_own_config(ctx):
        return Placement(UNKNOWN, untrusted_profile(ctx, profile, account))
    return strongest_named([by_name, *([by_account] if by_account else [])])


def run_credential_process(inv: Invocation, profile_flag: str | None) -> None:
    """The AWS tools run a profile's `credential_process` to get credentials. In a config file outside
    `~/.aws` (AWS_CONFIG_FILE, one the agent could have written) that command is part of this action: hand it
    to the walker like any other."""
    ctx = inv.ctx
    if uses_own_config(ctx):
        return
    parser = read_aws_config(ctx, config_path(ctx))
    if parser is None:
        return
    name = aws_profile(ctx, profile_flag)[0] or "default"
    for _ in range(MAX_PROFILE_CHAIN):
        section = "default" if name == "default" else f"profile {name}"
        command = parser.get(section, "credential_process", fallback="") if parser.has_section(section) else ""
        if command.strip():
            inv.run_script(command, origin=f"the credential_process of AWS profile {name!r} in {config_path(ctx)}")
            return
        source = parser.get(section, "source_profile", fallback="") if parser.has_section(section) else ""
        if not source:
            return
        name = source


def uses_own_config(ctx: Context) -> bool:
    return config_path(ctx) == own_config_path(ctx)


def untrusted_profile(ctx: Context, profile: str, account: str) -> str:
    return (f"AWS profile {profile!r} comes from {config_path(ctx)}, a config file outside ~/.aws, and works in "
            f"account {account}, which neither the policy nor ~/.aws/config places (unknown is treated as prod)")


def accounts_in(values: Iterable[str]) -> list[str]:
    """The account ids inside ARNs and queue URLs."""
    found: list[str] = []
    for value in values:
        for regex in (ARN_ACCOUNT, URL_ACCOUNT):
            match = regex.search(value)
            if match and match.group(1) not in found:
                found.append(match.group(1))
    return found


@dataclass
class Where:
    """The placement of one call and the label its resources carry (profile, account or `default`)."""

    placement: Placement
    label: str


def place(ctx: Context, *, profile_flag: str | None, endpoint_flag: str | None, names: Sequence[str],
          region: str | None = None) -> Where:
    """Endpoint, then profile and its account (explicit mappings first), then the names the call uses."""
    environments = ctx.environments
    endpoint = endpoint_flag or ctx.getenv("AWS_ENDPOINT_URL")
    if endpoint:
        placed = place_url(environments, endpoint, "--endpoint-url" if endpoint_flag else "AWS_ENDPOINT_URL")
        if placed.environment != UNKNOWN:
            return Where(placed, "local" if placed.environment == LOCAL else placed.environment)
    profile, source = aws_profile(ctx, profile_flag)
    account = profile_account(ctx, profile or "default")
    label = profile or account or "default"
    for candidate in [account, *accounts_in(names)]:
        mapped = environments.mapped("aws_accounts", candidate) if candidate else None
        if mapped:
            return Where(Placement(mapped, f"AWS account {candidate} is mapped to {mapped} by the policy"), label)
    by_profile: Placement | None = None
    if profile:
        by_profile = environments.aws_profile(profile, None, f"AWS profile ({source})")
        if environments.mapped("aws_profiles", profile) or environments.mapped("names", profile):
            return Where(by_profile, label)
    by_account = account_placement(ctx, account) if account else None
    if account and by_account is None and not uses_own_config(ctx):
        return Where(Placement(UNKNOWN, untrusted_profile(ctx, profile or "default", account)), label)
    named = [place_name(environments, name, "the resource name") for name in names if name]
    if region:
        named.append(place_name(environments, region, "--region"))
    best = strongest_named([p for p in [by_profile, by_account, *named] if p is not None])
    if best is not None:
        return Where(best, label)
    return Where(by_profile or Placement(UNKNOWN, NO_PROFILE), label)


def aws_placement(ctx: Context, profile: str | None, names: Sequence[str] = ()) -> Placement:
    """For families that act through AWS credentials (chamber, aws-vault): the same signals as `aws`."""
    return place(ctx, profile_flag=profile, endpoint_flag=None, names=names).placement
