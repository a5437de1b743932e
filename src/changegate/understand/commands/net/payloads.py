"""What a network client carries off this machine: files, its input, secrets in its words.

A secret sent anywhere but its own service (a GitHub token to github.com is used, not leaked), and files or
unseen data sent to a host that is not local, dev or staging, are `exfiltrate`, placed by the destination.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from changegate.environments import DEV, LOCAL, STAGING, Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation, Stream, Word
from changegate.understand.commands.net.common import holds_the_home, secret_directory
from changegate.understand.placement import is_local
from changegate.understand.sensitive import is_secret_variable, secret_kind, token_in_text

# Headers (and curl options) that carry a credential for the service being called.
AUTH_HEADER_WORDS = ("auth", "token", "key", "cookie", "secret", "session", "password", "signature")
# Words in a variable name that say it is a secret but not whose (`API_TOKEN` could be anyone's).
GENERIC_SECRET_WORDS = frozenset({
    "token", "tokens", "api", "key", "keys", "secret", "secrets", "access", "auth", "authorization", "password",
    "passwd", "pass", "pwd", "pat", "bearer", "client", "private", "personal", "oauth", "app", "id", "prod",
    "production", "dev", "staging", "stage", "test", "my", "the", "session", "signing", "webhook", "url",
    "credential", "credentials", "cred", "creds", "user", "admin", "root", "master", "service", "account", "sa",
    "refresh", "jwt", "bot", "read", "write", "deploy", "ci", "default", "local", "live", "secure", "dsn", "conn",
    "connection", "str", "string", "database", "db",
})
# A name's word -> a word its hosts carry.
SERVICE_ALIASES = {"gh": "github", "aws": "amazonaws", "gcp": "googleapis", "google": "google",
                   "gcloud": "googleapis", "hf": "huggingface", "cf": "cloudflare", "do": "digitalocean",
                   "az": "azure", "npm": "npmjs", "glab": "gitlab", "claude": "anthropic", "gpt": "openai"}
MAX_PROBED_WORD = 16 * 1024  # a word longer than this is not walked for the secrets its substitutions read


@dataclass
class Payload:
    """One thing a command sends."""

    what: str  # plain words: "the file data.json", "the output of the previous command"
    secret: str = ""  # which secret it carries ("the variable GITHUB_TOKEN", "AWS credentials")
    service: str = ""  # the service that secret belongs to, where its name says
    credential: bool = False  # sent to authenticate (a header, -u): used, not leaked, at its own service
    unseen: bool = False  # its content cannot be seen here (a file, an earlier command's output)
    whole_environment: bool = False
    secret_file: str = ""  # the credential file it is read from: reading it is a secret read, wherever it goes


def service_of(name: str) -> str:
    """`GITHUB_TOKEN` -> github; `API_TOKEN` -> '' (anyone's)."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w and w not in GENERIC_SECRET_WORDS
             and not w.isdigit()]
    if not words:
        return ""
    return SERVICE_ALIASES.get(words[0], words[0])


# Services run by their users on hosts of their own: the words their hosts are named with.
SELF_HOSTED = {
    **dict.fromkeys(("kube", "k8s", "kubernetes", "kubeconfig", "kubectl"), ("kube", "k8s", "eks.amazonaws.com",
                                                                               "azmk8s.io", "gke")),
    **dict.fromkeys(("es", "elastic", "elasticsearch", "opensearch"), ("elastic", "opensearch", "es.", "es-")),
    **dict.fromkeys(("rabbit", "rabbitmq", "amqp"), ("rabbit", "mq.", "mq-", "amqp")),
}


def belongs_to(service: str, host: str) -> bool:
    """Whether `host` is the service's own: its name is in the host's (`GITHUB_TOKEN` at api.github.com),
    or the host is named the way that self-hosted service's hosts are (`KUBE_TOKEN` at k8s.prod:6443)."""
    bare = host.lower()
    return bool(service) and (service in bare or any(word in bare for word in SELF_HOSTED.get(service, ())))


def env_secret_values(inv: Invocation) -> list[tuple[str, str]]:
    return [(name, value) for name, value in inv.ctx.env.items()
            if len(value) >= 8 and UNKNOWN_PART not in value and is_secret_variable(name)]


def secrets_in_text(text: str, known_values: Iterable[tuple[str, str]]) -> list[Payload]:
    """Secrets visible in known text: credentials by their shape, and the values of secret variables."""
    found: list[Payload] = []
    token = token_in_text(text)
    if token:
        found.append(Payload(what=token[0], secret=token[0], service=token[1]))
    for name, value in known_values:
        if value in text and not (token and token_in_text(value)):
            found.append(Payload(what=f"the value of {name}", secret=f"the variable {name}", service=service_of(name)))
    return found


def secrets_in_word(inv: Invocation, word: Word) -> list[Payload]:
    """The secrets a word carries: secret variables and secret-reading substitutions as written (found by
    walking `echo WORD` on a scratch walker), and credentials visible in its expanded value."""
    found = secrets_in_text(word.value, env_secret_values(inv))
    if ("$" in word.text or "`" in word.text) and len(word.text) < MAX_PROBED_WORD:
        probe = type(inv.walker)(deadline=inv.walker.deadline)  # a scratch walker of the same kind
        probe.nesting = inv.walker.nesting
        for effect in probe.run_script("echo " + word.text, inv.ctx.clone()):
            if effect.operation != "secret_read":
                continue
            if effect.resource == "env:*":
                found.append(Payload(what="every environment variable", secret="the whole environment",
                                     whole_environment=True))
            elif effect.resource.startswith("env:"):
                name = effect.resource[4:]
                found.append(Payload(what=f"the variable {name}", secret=f"the variable {name}",
                                     service=service_of(name)))
            else:
                found.append(Payload(what=effect.summary or effect.resource, secret=effect.summary or effect.resource))
    return found


def file_payload(inv: Invocation, raw: str) -> Payload:
    if raw == "-":
        return stdin_payload(inv)
    path = inv.ctx.resolve(raw)
    shown = path or raw.replace(UNKNOWN_PART, "…")
    home = inv.ctx.home
    what = (secret_kind(path, home) or secret_directory(path, home) or holds_the_home(path, home)) if path else None
    if what:
        return Payload(what=f"{shown} ({what})", secret=what, unseen=True, secret_file=path or "")
    return Payload(what=f"the file {shown}", unseen=True)


def stdin_payload(inv: Invocation) -> Payload:
    stream = inv.stdin
    if stream is None:
        return Payload(what="what is typed into it", unseen=True)
    source = stream_file(stream)
    if source:
        path = inv.ctx.resolve(source)
        what = secret_kind(path, inv.ctx.home) if path else None
        if what:
            return Payload(what=f"{source} ({what})", secret=what, unseen=True, secret_file=path or "")
    if stream.text is not None:
        secrets = secrets_in_text(stream.text, env_secret_values(inv))
        if secrets:
            return secrets[0]
        return Payload(what="text given on its input")
    return Payload(what=stream.origin or "the output of the previous command", unseen=True)


def stream_file(stream: Stream) -> str | None:
    """The file a stream was read from (`< file`, `cat file |`), as the walker names it."""
    prefix = "the file "
    return stream.origin[len(prefix):] if stream.origin.startswith(prefix) else None


def inline_payload(inv: Invocation, word: Word, what: str = "inline data") -> list[Payload]:
    secrets = secrets_in_word(inv, word)
    if secrets:
        return secrets
    if not word.known:
        return [Payload(what=f"{what} computed when the command runs ({word.shown()[:60]})", unseen=True)]
    return []


def credential_payloads(inv: Invocation, word: Word) -> list[Payload]:
    """A credential given to authenticate (`-H 'Authorization: …'`, `-u user:pass`, a token in a URL's
    query): used at its own service, leaked anywhere else."""
    found = secrets_in_word(inv, word)
    for payload in found:
        payload.credential = not payload.whole_environment
    return found


def header_payloads(inv: Invocation, word: Word) -> list[Payload]:
    name = word.value.split(":", 1)[0].strip().lower()
    if name.startswith("@"):
        return [file_payload(inv, word.value[1:])]
    if any(w in name for w in AUTH_HEADER_WORDS):
        return credential_payloads(inv, word)
    return secrets_in_word(inv, word)


def carried_off(inv: Invocation, payloads: Sequence[Payload], host: str, placement: Placement,
                resource: str) -> list[Effect]:
    """What leaves this machine: secrets (except a credential at its own service) and unseen data sent to a
    host that is not local, dev or staging. One effect per destination, naming everything it carries."""
    leaving: list[str] = []
    shown_host = host.replace(UNKNOWN_PART, "…") or "a host only known at run time"
    read: list[Effect] = []
    for p in payloads:
        if p.secret_file and is_local(placement):
            # to this machine or a local port (which may be a tunnel to anywhere): still a credential file read
            read.append(inv.fs("secret_read", p.secret_file, kind="secret", reversible="yes",
                               summary=f"reads {p.secret_file} ({p.secret}) to send it to {shown_host}"))
        if p.credential and p.secret:
            if not p.service or belongs_to(p.service, host) or is_local(placement):
                continue
            leaving.append(f"{p.secret} (a {p.service} credential, sent to a host that is not {p.service})")
        elif p.secret:
            if not is_local(placement):
                leaving.append(p.what)
        elif p.unseen and placement.environment not in (LOCAL, DEV, STAGING):
            leaving.append(p.what)
    if not leaving:
        return read
    whole = any(p.whole_environment for p in payloads)
    return [*read, inv.effect(
        "exfiltrate",
        resource,
        placement,
        kind="data",
        scope="all" if whole else "one",
        reversible="no",
        tags=("secret",) if any(p.secret for p in payloads) else (),
        summary=f"sends {'; '.join(dict.fromkeys(leaving))} to {shown_host}",
        suggestions=("send only the fields the service needs, and reference secrets by name, not value",),
    )]
