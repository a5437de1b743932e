"""Secret stores and the runners that inject secrets: vault, op, pass, gopass, security, sops, kubeseal, keyring,
bw, lpass, aws-vault, chamber, doppler, infisical.

Each tool is a table from its sub-commands to what they do: printing a secret is a `secret_read` (the value
lands in the agent's context); writing one is a change to the store; deleting one is a delete, with data loss
where the secret is gone for good (`vault kv destroy`, `vault secrets disable`, `bw delete --permanent`).
Runners (`op run -- CMD`, `doppler run -- CMD`, `aws-vault exec PROFILE -- CMD`, `chamber exec`, `infisical run`,
`sops exec-env`) hand CMD back to the walker: the secrets go into that process's environment, which is ordinary
use, not a read. Where a store lives comes from its address flag or variable (`VAULT_ADDR`), the environment
a flag names (`--config prd`, `--env prod`), or the AWS profile (chamber, aws-vault).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from changegate.environments import DEV, LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation, Reversible, Scope
from changegate.understand.base import DYNAMIC_WORD, Invocation, Word
from changegate.understand.cli import Cli, Options


@dataclass(frozen=True)
class Verb:
    """What one sub-command does to the store."""

    operation: Operation
    kind: str = "secret"
    data_loss: bool = False
    whole: bool = False
    reversible: Reversible = "unknown"
    scope: Scope = "one"
    also: Operation | None = None  # a second effect (a token create is a permission change and a secret read)


READ = Verb("read", reversible="yes")
SECRET = Verb("secret_read", reversible="yes")
WRITE = Verb("modify")
CREATE = Verb("create", reversible="yes")
DELETE = Verb("delete", reversible="no")
SOFT_DELETE = Verb("delete", reversible="yes")
DESTROY = Verb("delete", data_loss=True, reversible="no")
PERMISSION = Verb("permission", kind="access")
LOCAL_READ = Verb("read", kind="local", reversible="yes")

SECRET_SUGGESTION = ("pass the secret to the program that needs it (a runner such as `op run -- CMD` or "
                     "`doppler run -- CMD`) instead of printing it")


def lookup(table: dict[tuple[str, ...], Verb], words: Sequence[str]) -> tuple[Verb | None, int]:
    """The longest table key that the leading words spell, and how many words it used."""
    for length in range(min(4, len(words)), 0, -1):
        verb = table.get(tuple(w.lower() for w in words[:length]))
        if verb is not None:
            return verb, length
    return None, 0


class SecretTool(Cli):
    """A store CLI shaped `TOOL SUB… [ARGS]`: a table of sub-commands, a placement, a resource name."""

    FAMILY = "secrets"
    table: ClassVar[dict[tuple[str, ...], Verb]] = {}
    bare: ClassVar[Verb | None] = None  # the tool with no sub-command
    runners: ClassVar[frozenset[str]] = frozenset()  # sub-commands that run a command with secrets injected
    env_flags: ClassVar[tuple[str, ...]] = ()  # flags whose value names the environment
    env_variables: ClassVar[tuple[str, ...]] = ()  # variables that name it when no flag does
    default_placement: ClassVar[Placement] = Placement(UNKNOWN, "the store's environment is not named "
                                                                "(unknown is treated as prod)")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        positionals = opts.positionals
        if positionals and positionals[0] in self.runners:
            return self.run(inv, opts)
        verb, used = lookup(self.table, positionals)
        if verb is None and not positionals and self.bare is not None:
            verb = self.bare
        verb = self.refine(verb, positionals[:used], opts)
        if verb is None:
            sub = " ".join(positionals[:2]) or "(no sub-command)"
            return [inv.effect("unknown", f"{inv.name}:{sub}", self.placement(inv, opts, positionals[used:]),
                               tags=("not-understood",), summary=f"runs {inv.name} {sub}, which changegate "
                                                                 "does not know")]
        targets = positionals[used:]
        return self.effects(inv, opts, verb, " ".join(positionals[:used]), targets)

    def refine(self, verb: Verb | None, sub: Sequence[str], opts: Options) -> Verb | None:
        """Flags that change what a sub-command does (`--with-decryption`, `--permanent`)."""
        return verb

    def effects(self, inv: Invocation, opts: Options, verb: Verb, sub: str, targets: list[str]) -> list[Effect]:
        placement = self.placement(inv, opts, targets) if verb.kind != "local" else Placement(
            LOCAL, f"{inv.name} {sub} only touches this machine's session")
        resource = self.resource(inv, opts, targets)
        shown = f"{inv.name} {sub} {' '.join(targets[:2])}".strip()
        out: list[Effect] = []
        for operation in (verb.operation, verb.also):
            if operation is None:
                continue
            secret = operation == "secret_read"
            out.append(inv.effect(
                operation, resource, placement, kind=verb.kind, reversible="yes" if secret else verb.reversible,
                scope=verb.scope, data_loss=verb.data_loss, whole_environment=verb.whole,
                summary=f"{shown} ({'prints a secret' if secret else VERB_WORDS.get(operation, operation)})",
                suggestions=(SECRET_SUGGESTION,) if secret else ()))
        return out

    def placement(self, inv: Invocation, opts: Options, targets: Sequence[str]) -> Placement:
        envs = inv.ctx.environments
        for flag in self.env_flags:
            value = opts.value(flag)
            if value:
                return envs.classify("names", value, f"{inv.name} {flag}")
        for variable in self.env_variables:
            value = inv.ctx.getenv(variable)
            if value:
                return envs.classify("names", value, variable)
        named = [envs.classify("names", t, "the name") for t in targets[:2] if t]
        known = [p for p in named if p.environment != UNKNOWN]
        return known[0] if known else self.default_placement

    def resource(self, inv: Invocation, opts: Options, targets: Sequence[str]) -> str:
        return f"{inv.name}:" + "/".join(targets[:2])

    def run(self, inv: Invocation, opts: Options) -> list[Effect]:
        """`TOOL run [FLAGS] -- CMD…` (or `--command "CMD"`): CMD runs with the secrets in its environment."""
        words = inv.words
        script = opts.value("--command")
        if script:
            inv.run_script(script, origin=f"{inv.name} run --command")
            return []
        if any(w.value == "--" for w in words):
            command = words[[w.value for w in words].index("--") + 1:]
        else:
            command = self.command_after(words)
        if not command:
            return [inv.effect("unknown", f"{inv.name}:run", self.placement(inv, opts, ()),
                               summary=f"{inv.name} runs a shell with secrets in its environment")]
        inv.run_argv(command, stdin=inv.stdin)
        return []

    def command_after(self, words: list[Word]) -> list[Word]:
        """Without `--`, the command starts at the first positional after the runner's sub-command."""
        seen_sub = False
        i = 0
        while i < len(words):
            value = words[i].value
            if value.startswith("-"):
                i += 2 if value in self.VALUE_OPTIONS and "=" not in value else 1
                continue
            if not seen_sub:
                seen_sub = True
                i += 1
                continue
            return words[i:]
        return []


VERB_WORDS = {"read": "reads", "modify": "changes the store", "create": "creates", "delete": "deletes",
              "permission": "changes who may read what", "host_control": "stops or seals the server",
              "replace": "replaces the store's data", "unknown": "does something changegate cannot tell"}


# --- HashiCorp Vault ----------------------------------------------------------------------------------

class Vault(SecretTool):
    VALUE_OPTIONS = frozenset({
        "-address", "-namespace", "-ns", "-format", "-field", "-mount", "-version", "-versions", "-ca-cert",
        "-client-cert", "-client-key", "-wrap-ttl", "-policy", "-ttl", "-path", "-type", "-description",
        "-method", "-role", "-display-name", "-explicit-max-ttl", "-period", "-id", "-accessor", "-plugin-name",
        "-max-lease-ttl", "-default-lease-ttl", "-key-shares", "-key-threshold", "-output", "-header",
    })
    table: ClassVar[dict[tuple[str, ...], Verb]] = {
        ("read",): SECRET, ("list",): READ, ("write",): WRITE, ("delete",): DESTROY, ("patch",): WRITE,
        ("kv", "get"): SECRET, ("kv", "list"): READ, ("kv", "put"): WRITE, ("kv", "patch"): WRITE,
        ("kv", "rollback"): WRITE, ("kv", "undelete"): WRITE, ("kv", "enable-versioning"): WRITE,
        ("kv", "delete"): SOFT_DELETE, ("kv", "destroy"): DESTROY,
        ("kv", "metadata", "get"): READ, ("kv", "metadata", "list"): READ, ("kv", "metadata", "put"): WRITE,
        ("kv", "metadata", "patch"): WRITE,
        ("kv", "metadata", "delete"): Verb("delete", data_loss=True, reversible="no", scope="all"),
        ("secrets", "list"): READ, ("secrets", "enable"): CREATE, ("secrets", "tune"): WRITE,
        ("secrets", "move"): WRITE,
        ("secrets", "disable"): Verb("delete", kind="secrets engine", data_loss=True, reversible="no",
                                     scope="all"),
        ("auth", "list"): READ, ("auth", "help"): READ, ("auth", "enable"): PERMISSION,
        ("auth", "tune"): PERMISSION, ("auth", "move"): PERMISSION,
        ("auth", "disable"): Verb("delete", kind="auth method", reversible="no"),
        ("policy", "list"): READ, ("policy", "read"): READ, ("policy", "fmt"): LOCAL_READ,
        ("policy", "write"): PERMISSION, ("policy", "delete"): Verb("delete", kind="policy", reversible="no"),
        ("token", "lookup"): READ, ("token", "capabilities"): READ, ("token", "renew"): WRITE,
        ("token", "create"): Verb("permission", kind="token", also="secret_read"),
        ("token", "revoke"): Verb("delete", kind="token", reversible="no"),
        ("lease", "lookup"): READ, ("lease", "renew"): WRITE,
        ("lease", "revoke"): Verb("delete", kind="lease", reversible="no"),
        ("audit", "list"): READ, ("audit", "enable"): WRITE,
        ("audit", "disable"): Verb("modify", kind="audit device"),
        ("status",): READ, ("version",): LOCAL_READ, ("path-help",): READ, ("monitor",): READ, ("debug",): READ,
        ("print", "token"): Verb("secret_read", kind="token"), ("login",): LOCAL_READ,
        ("unwrap",): SECRET, ("namespace", "list"): READ, ("namespace", "lookup"): READ,
        ("namespace", "create"): CREATE,
        ("namespace", "delete"): Verb("delete", kind="namespace", data_loss=True, whole=True, reversible="no"),
        ("operator", "seal"): Verb("host_control", kind="vault"),
        ("operator", "step-down"): Verb("host_control", kind="vault"),
        ("operator", "unseal"): WRITE, ("operator", "members"): READ, ("operator", "key-status"): READ,
        ("operator", "init"): Verb("create", kind="vault", also="secret_read"),
        ("operator", "generate-root"): Verb("permission", kind="root token", also="secret_read"),
        ("operator", "rekey"): Verb("permission", kind="unseal keys", also="secret_read"),
        ("operator", "raft", "list-peers"): READ, ("operator", "raft", "autopilot"): READ,
        ("operator", "raft", "remove-peer"): Verb("delete", kind="raft peer", reversible="no"),
        ("operator", "raft", "snapshot"): READ,  # refined: restore replaces everything
        ("operator", "usage"): READ, ("operator", "diagnose"): READ,
    }

    def refine(self, verb: Verb | None, sub: Sequence[str], opts: Options) -> Verb | None:
        if tuple(sub) == ("operator", "raft", "snapshot") and "restore" in opts.positionals:
            return Verb("replace", kind="vault data", data_loss=True, whole=True, reversible="no")
        if tuple(sub) == ("lease", "revoke") and opts.has("-prefix", "-force"):
            return Verb("delete", kind="leases", reversible="no", scope="many")
        return verb

    def effects(self, inv: Invocation, opts: Options, verb: Verb, sub: str, targets: list[str]) -> list[Effect]:
        path = targets[0] if targets else ""
        if sub == "read" and path.startswith(("sys/", "auth/token/lookup")):
            verb = READ
        elif sub == "write" and path.startswith(("sys/policy", "sys/policies", "auth/", "identity/")):
            verb = PERMISSION
        elif sub == "write" and "/decrypt/" in f"/{path}":
            verb = SECRET
        return super().effects(inv, opts, verb, sub, targets)

    def placement(self, inv: Invocation, opts: Options, targets: Sequence[str]) -> Placement:
        envs = inv.ctx.environments
        address = opts.value("-address") or inv.ctx.getenv("VAULT_ADDR")
        if address:
            placed = envs.url(address, "-address" if opts.value("-address") else "VAULT_ADDR")
            if placed.environment != UNKNOWN:
                return placed
        namespace = opts.value("-namespace", "-ns") or inv.ctx.getenv("VAULT_NAMESPACE")
        for name, label in ((namespace, "vault namespace"), *((t, "the secret path") for t in targets[:1])):
            if name:
                named = envs.classify("names", name, label)
                if named.environment != UNKNOWN:
                    return named
        if address:
            return envs.url(address, "VAULT_ADDR")
        return Placement(UNKNOWN, "VAULT_ADDR is not in the action's environment: the vault server cannot be "
                                  "placed (unknown is treated as prod)")

    def resource(self, inv: Invocation, opts: Options, targets: Sequence[str]) -> str:
        mount = opts.value("-mount")
        path = "/".join(p for p in (mount, targets[0] if targets else "") if p)
        return f"vault:{path or '?'}"

    LONG_SINGLE_DASH = True


# --- 1Password -----------------------------------------------------------------------------------------

class OnePassword(SecretTool):
    VALUE_OPTIONS = frozenset({"--vault", "--account", "--format", "--fields", "--session", "--config", "--encoding",
                             "--out-file", "-o", "--tags", "--title", "--category", "--url", "--env-file",
                             "--template", "-i", "--in-file", "--file-name", "--otp", "--cache"})
    env_flags = ("--vault", "--account")
    env_variables = ("OP_ACCOUNT",)
    runners = frozenset({"run"})
    table: ClassVar[dict[tuple[str, ...], Verb]] = {
        ("read",): SECRET, ("inject",): SECRET, ("item", "get"): SECRET, ("document", "get"): SECRET,
        ("item", "list"): READ, ("item", "template"): READ, ("vault", "list"): READ, ("vault", "get"): READ,
        ("user", "list"): READ, ("user", "get"): READ, ("group", "list"): READ, ("group", "get"): READ,
        ("document", "list"): READ, ("account", "list"): LOCAL_READ, ("account", "get"): READ,
        ("whoami",): LOCAL_READ, ("signin",): LOCAL_READ, ("signout",): LOCAL_READ, ("--version",): LOCAL_READ,
        ("item", "create"): CREATE, ("item", "edit"): WRITE, ("item", "move"): WRITE, ("item", "share"):
        Verb("permission", kind="share link"), ("document", "create"): CREATE, ("document", "edit"): WRITE,
        ("item", "delete"): DELETE, ("document", "delete"): DELETE,
        ("vault", "create"): CREATE, ("vault", "edit"): WRITE,
        ("vault", "delete"): Verb("delete", kind="vault", data_loss=True, whole=True, reversible="no"),
        ("vault", "user", "grant"): PERMISSION, ("vault", "user", "revoke"): PERMISSION,
        ("vault", "group", "grant"): PERMISSION, ("vault", "group", "revoke"): PERMISSION,
        ("user", "delete"): Verb("delete", kind="user", reversible="no"), ("user", "suspend"): PERMISSION,
        ("user", "confirm"): PERMISSION, ("user", "provision"): PERMISSION, ("user", "edit"): PERMISSION,
        ("group", "delete"): Verb("delete", kind="group", reversible="no"), ("group", "create"): PERMISSION,
        ("group", "user", "grant"): PERMISSION, ("group", "user", "revoke"): PERMISSION,
        ("connect", "token", "create"): Verb("permission", kind="token", also="secret_read"),
        ("service-account", "create"): Verb("permission", kind="service account", also="secret_read"),
    }

    def refine(self, verb: Verb | None, sub: Sequence[str], opts: Options) -> Verb | None:
        if verb is DELETE and opts.has("--archive"):
            return SOFT_DELETE
        return verb


# --- pass and gopass (the local password store) -------------------------------------------------------

class Pass(SecretTool):
    VALUE_OPTIONS = frozenset()
    table: ClassVar[dict[tuple[str, ...], Verb]] = {
        ("ls",): READ, ("list",): READ, ("find",): READ, ("search",): READ, ("show",): SECRET, ("grep",): SECRET,
        ("otp",): SECRET, ("insert",): WRITE, ("add",): WRITE, ("edit",): WRITE, ("generate",): WRITE,
        ("rm",): DESTROY, ("remove",): DESTROY, ("delete",): DESTROY, ("mv",): WRITE, ("rename",): WRITE,
        ("cp",): WRITE, ("copy",): WRITE, ("git",): WRITE, ("init",): CREATE, ("version",): LOCAL_READ,
        ("help",): LOCAL_READ,
    }
    bare = READ

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.positionals and lookup(self.table, opts.positionals)[0] is None:
            # `pass NAME` shows NAME
            return self.effects(inv, opts, SECRET, "show", opts.positionals)
        return super().analyze(inv)

    def placement(self, inv: Invocation, opts: Options, targets: Sequence[str]) -> Placement:
        store = inv.ctx.getenv("PASSWORD_STORE_DIR") or "~/.password-store"
        return inv.ctx.place_path(inv.ctx.resolve(store))


class Gopass(Pass):
    table: ClassVar[dict[tuple[str, ...], Verb]] = {**Pass.table, ("cat",): SECRET, ("create",): CREATE, ("new",): CREATE, ("sync",): WRITE,
             ("audit",): READ, ("config",): LOCAL_READ, ("templates",): READ, ("mounts",): READ,
             ("recipients",): READ}


# --- the macOS keychain and the Python keyring --------------------------------------------------------

MACHINE_SECRETS = Placement(UNKNOWN, "the user's keychain on this machine, outside the workspace "
                                     "(unknown is treated as prod)")


class Security(SecretTool):
    VALUE_OPTIONS = frozenset({"-a", "-s", "-l", "-c", "-C", "-D", "-j", "-r", "-t", "-k", "-p", "-P", "-T", "-u",
                             "-f", "-o", "-d", "-e", "-i", "-S"})
    default_placement = MACHINE_SECRETS
    table: ClassVar[dict[tuple[str, ...], Verb]] = {
        ("find-generic-password",): READ, ("find-internet-password",): READ, ("find-certificate",): READ,
        ("find-identity",): READ, ("list-keychains",): READ, ("default-keychain",): READ,
        ("login-keychain",): READ, ("show-keychain-info",): READ, ("dump-keychain",): READ,
        ("verify-cert",): READ, ("dump-trust-settings",): READ, ("cms",): READ, ("lock-keychain",): READ,
        ("unlock-keychain",): WRITE, ("create-keychain",): CREATE, ("import",): WRITE,
        ("export",): SECRET, ("add-generic-password",): WRITE, ("add-internet-password",): WRITE,
        ("add-certificates",): WRITE, ("delete-generic-password",): DESTROY,
        ("delete-internet-password",): DESTROY, ("delete-certificate",): DESTROY, ("delete-identity",): DESTROY,
        ("delete-keychain",): Verb("delete", kind="keychain", data_loss=True, whole=True, reversible="no"),
        ("add-trusted-cert",): Verb("permission", kind="trusted certificate"),
        ("remove-trusted-cert",): Verb("permission", kind="trusted certificate"),
        ("trust-settings-import",): Verb("permission", kind="trust settings"),
        ("set-key-partition-list",): PERMISSION, ("authorizationdb",): PERMISSION,
    }

    def refine(self, verb: Verb | None, sub: Sequence[str], opts: Options) -> Verb | None:
        first = sub[0] if sub else ""
        revealing = (first in ("find-generic-password", "find-internet-password") and opts.has("-w", "-g")) or (
            first == "dump-keychain" and opts.has("-d"))
        return SECRET if revealing else verb


class Keyring(SecretTool):
    table: ClassVar[dict[tuple[str, ...], Verb]] = {("get",): SECRET, ("set",): WRITE, ("del",): DESTROY, ("diagnose",): LOCAL_READ}
    default_placement = MACHINE_SECRETS
    VALUE_OPTIONS = frozenset({"-b", "--keyring-backend", "-p", "--keyring-path", "--mode"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        if any(w.value in ("--list-backends", "--help", "-h", "--version") for w in inv.words):
            return [inv.effect("read", "keyring:backends", Placement(LOCAL, "it lists keyring backends"),
                               reversible="yes", summary="keyring lists its backends")]
        return super().analyze(inv)


# --- sops and kubeseal (encrypted files) --------------------------------------------------------------

class Sops(SecretTool):
    VALUE_OPTIONS = frozenset({"--output", "--extract", "--input-type", "--output-type", "--kms", "--pgp", "--age",
                             "--gcp-kms", "--azure-kv", "--hc-vault-transit", "--set", "--config",
                             "--filename-override", "--encryption-context", "--shamir-secret-sharing-threshold",
                             "--unencrypted-suffix", "--encrypted-suffix", "--unencrypted-regex",
                             "--encrypted-regex", "-k", "-p", "-a", "--aws-profile", "--indent", "--user"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        positionals = opts.positionals
        sub = positionals[0] if positionals and positionals[0] in SOPS_SUBCOMMANDS else ""
        files = positionals[1:] if sub else positionals
        if sub in ("exec-env", "exec-file") and len(files) >= 2:
            script = files[1].replace("{}", DYNAMIC_WORD) if sub == "exec-file" else files[1]
            inv.run_script(script, origin=f"sops {sub}")
            return []
        in_place = opts.has("-i", "--in-place")
        output = opts.value("--output")
        path = files[0] if files else "-"
        if sub == "decrypt" or opts.has("-d", "--decrypt"):
            effects = [inv.effect("secret_read", f"fs:{inv.ctx.resolve(path) or path}", Placement(
                LOCAL, "decrypting happens on this machine"), kind="encrypted file", reversible="yes",
                summary=f"sops decrypts {path}", suggestions=("use `sops exec-env FILE CMD` so the values go to "
                                                             "the program, not the screen",))]
            if in_place or output:
                effects.append(inv.fs("modify", output or path, tags=("overwrite",),
                                      summary=f"writes the decrypted secrets of {path} to disk"))
            return effects
        if sub in ("filestatus", "groups", "keyservice") or ((sub == "encrypt" or opts.has("-e", "--encrypt"))
                                                             and not in_place and not output):
            return [inv.effect("read", f"fs:{inv.ctx.resolve(path) or path}", Placement(LOCAL, "a local file"),
                               reversible="yes", summary=f"sops {sub or 'encrypt'} {path} (prints the result)")]
        if sub == "publish":
            return [inv.effect("modify", f"sops:publish/{path}", Placement(UNKNOWN, "sops publish writes to a "
                                                                                   "configured remote store"),
                               summary=f"sops publish {path}")]
        target = output or path
        return [inv.fs("modify", target, tags=("overwrite",), reversible="unknown",
                       summary=f"sops {sub or 'edit'} changes {target}")]


SOPS_SUBCOMMANDS = frozenset({"decrypt", "encrypt", "edit", "exec-env", "exec-file", "publish", "keyservice",
                              "updatekeys", "rotate", "set", "unset", "filestatus", "groups"})


class Kubeseal(SecretTool):
    VALUE_OPTIONS = frozenset({"--cert", "--controller-name", "--controller-namespace", "--context", "-n",
                             "--namespace", "--name", "--scope", "-o", "--format", "-w", "--sealed-secret-file",
                             "--secret-file", "-f", "--from-file", "--kubeconfig", "--recovery-private-key",
                             "--merge-into"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has("--recovery-unseal"):
            return [inv.effect("secret_read", "kubeseal:recovery-unseal", Placement(LOCAL, "unsealing happens here"),
                               kind="sealed secret", reversible="yes",
                               summary="kubeseal --recovery-unseal prints the sealed secrets in plain text")]
        written = opts.value("-w", "--sealed-secret-file", "--merge-into")
        if written:
            return [inv.fs("modify", written, reversible="unknown", summary=f"kubeseal writes {written}")]
        return [inv.effect("read", "kubeseal:seal", Placement(LOCAL, "sealing encrypts on this machine"),
                           reversible="yes", summary="kubeseal seals a secret (prints ciphertext)")]


# --- Bitwarden and LastPass ---------------------------------------------------------------------------

class Bitwarden(SecretTool):
    VALUE_OPTIONS = frozenset({"--session", "--organizationid", "--itemid", "--folderid", "--collectionid",
                             "--search", "--url", "--format", "--output", "--password", "--passwordenv",
                             "--passwordfile", "--method", "--code", "--apikey"})
    table: ClassVar[dict[tuple[str, ...], Verb]] = {
        ("get", "password"): SECRET, ("get", "totp"): SECRET, ("get", "notes"): SECRET, ("get", "item"): SECRET,
        ("get", "attachment"): SECRET, ("get", "send"): SECRET, ("get", "username"): READ, ("get", "uri"): READ,
        ("get", "folder"): READ, ("get", "collection"): READ, ("get", "organization"): READ,
        ("get", "template"): LOCAL_READ, ("get", "fingerprint"): READ, ("get", "exposed"): READ,
        ("list", "items"): SECRET, ("list", "folders"): READ, ("list", "collections"): READ,
        ("list", "organizations"): READ, ("list", "org-collections"): READ, ("list", "org-members"): READ,
        ("export",): SECRET, ("unlock",): Verb("secret_read", kind="session key"),
        ("create",): CREATE, ("edit",): WRITE, ("move",): WRITE, ("restore",): WRITE, ("import",): WRITE,
        ("share",): Verb("permission", kind="share"), ("confirm",): PERMISSION, ("delete",): SOFT_DELETE,
        ("send",): Verb("publish", kind="send"), ("receive",): READ,
        ("login",): LOCAL_READ, ("logout",): LOCAL_READ, ("lock",): LOCAL_READ, ("sync",): LOCAL_READ,
        ("status",): LOCAL_READ, ("config",): LOCAL_READ, ("generate",): LOCAL_READ, ("encode",): LOCAL_READ,
        ("serve",): Verb("unknown", kind="server"),
    }

    def refine(self, verb: Verb | None, sub: Sequence[str], opts: Options) -> Verb | None:
        if verb is SOFT_DELETE and opts.has("--permanent", "-p"):
            return DESTROY
        return verb


class LastPass(SecretTool):
    VALUE_OPTIONS = frozenset({"--sync", "--color", "--field", "--format", "--basic-regexp", "--fixed-strings"})
    table: ClassVar[dict[tuple[str, ...], Verb]] = {
        ("show",): SECRET, ("export",): SECRET, ("ls",): READ, ("status",): LOCAL_READ, ("login",): LOCAL_READ,
        ("logout",): LOCAL_READ, ("sync",): LOCAL_READ, ("rm",): DESTROY, ("add",): WRITE, ("edit",): WRITE,
        ("mv",): WRITE, ("duplicate",): WRITE, ("generate",): WRITE, ("passwd",): PERMISSION,
        ("import",): WRITE, ("share", "userls"): READ, ("share", "useradd"): PERMISSION,
        ("share", "usermod"): PERMISSION, ("share", "userdel"): PERMISSION, ("share", "create"): PERMISSION,
        ("share", "rm"): Verb("delete", kind="shared folder", data_loss=True, reversible="no"),
    }


# --- AWS-backed: aws-vault and chamber ----------------------------------------------------------------

class AwsVault(SecretTool):
    VALUE_OPTIONS = frozenset({"--backend", "--keychain", "--prompt", "--pass-dir", "--pass-cmd", "--pass-prefix",
                             "--file-dir", "--secret-service-collection", "--duration", "-d", "--region",
                             "--mfa-token", "-t", "--ec2-server-port", "--session-ttl", "--assume-role-ttl",
                             "--path"})
    table: ClassVar[dict[tuple[str, ...], Verb]] = {
        ("list",): LOCAL_READ, ("ls",): LOCAL_READ, ("export",): SECRET, ("login",): READ,
        ("add",): Verb("modify", kind="credentials"), ("remove",): Verb("delete", kind="credentials"),
        ("rm",): Verb("delete", kind="credentials"), ("rotate",): Verb("permission", kind="access key"),
        ("clear",): Verb("modify", kind="local", reversible="yes"), ("proxy",): Verb("unknown", kind="proxy"),
        ("--version",): LOCAL_READ,
    }

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        positionals = opts.positionals
        if positionals[:1] == ["exec"]:
            return self.exec(inv, opts)
        if positionals[:1] == ["login"] and opts.has("--stdout", "-s"):
            return self.effects(inv, opts, Verb("secret_read", kind="console sign-in link"), "login",
                                positionals[1:])
        return super().analyze(inv)

    def exec(self, inv: Invocation, opts: Options) -> list[Effect]:
        """`aws-vault exec PROFILE [--] CMD…`: CMD runs as PROFILE, so AWS commands in it are placed by it."""
        words = inv.words
        values = [w.value for w in words]
        profile_index = next((i for i, w in enumerate(words) if w.value == opts.positionals[1]), None) if len(
            opts.positionals) > 1 else None
        if profile_index is None:
            return [inv.effect("unknown", "aws-vault:exec", self.placement(inv, opts, ()), tags=("not-understood",),
                               summary="aws-vault exec without a profile")]
        profile = values[profile_index]
        if "--" in values[profile_index:]:
            command = words[values.index("--", profile_index) + 1:]
        else:
            rest = words[profile_index + 1:]
            command = rest[next((i for i, w in enumerate(rest) if not w.value.startswith("-")), len(rest)):]
        if opts.has("--json"):
            return self.effects(inv, opts, SECRET, "exec --json", [profile])
        ctx = inv.ctx.clone(env={**inv.ctx.env, "AWS_PROFILE": profile, "AWS_VAULT": profile})
        if not command:
            return [inv.effect("unknown", f"aws:{profile}/shell", self.placement(inv, opts, [profile]),
                               summary=f"opens a shell with the AWS credentials of profile {profile}")]
        inv.run_argv(command, ctx=ctx, stdin=inv.stdin)
        return []

    def placement(self, inv: Invocation, opts: Options, targets: Sequence[str]) -> Placement:
        from changegate.understand.commands.aws import aws_placement

        return aws_placement(inv.ctx, targets[0] if targets else None)


class Chamber(SecretTool):
    VALUE_OPTIONS = frozenset({"-b", "--backend", "--backend-s3-bucket", "--kms-key-alias", "-r", "--retries",
                             "--min-throttle-delay", "-f", "--format", "-o", "--output-file", "-p", "--pristine"})
    runners = frozenset({"exec"})
    table: ClassVar[dict[tuple[str, ...], Verb]] = {
        ("read",): SECRET, ("export",): SECRET, ("env",): SECRET, ("list",): READ, ("list-services",): READ,
        ("history",): READ, ("find",): READ, ("version",): LOCAL_READ, ("write",): WRITE, ("import",): WRITE,
        ("delete",): DESTROY,
    }

    def refine(self, verb: Verb | None, sub: Sequence[str], opts: Options) -> Verb | None:
        if tuple(sub) == ("list",) and opts.has("-e", "--expand"):
            return SECRET
        return verb

    def placement(self, inv: Invocation, opts: Options, targets: Sequence[str]) -> Placement:
        from changegate.understand.commands.aws import aws_placement

        return aws_placement(inv.ctx, None, names=[t for t in targets[:1] if t])

    def command_after(self, words: list[Word]) -> list[Word]:
        return []  # chamber exec needs `--` before the command; without it nothing runs


# --- Doppler and Infisical (secret-manager services with environments) --------------------------------

class Doppler(SecretTool):
    VALUE_OPTIONS = frozenset({"-p", "--project", "-c", "--config", "--token", "--scope", "--configuration",
                             "--api-host", "--format", "--name", "--fallback", "--mount", "--mount-format",
                             "--command", "--environment", "-e", "--type", "--max-age", "--page", "--number"})
    env_flags = ("--config", "-c", "--environment", "-e")
    env_variables = ("DOPPLER_CONFIG", "DOPPLER_ENVIRONMENT")
    runners = frozenset({"run"})
    whole_config = Verb("delete", kind="config", data_loss=True, whole=True, reversible="no")
    table: ClassVar[dict[tuple[str, ...], Verb]] = {
        ("secrets",): SECRET, ("secrets", "get"): SECRET, ("secrets", "download"): SECRET,
        ("secrets", "substitute"): SECRET, ("secrets", "set"): WRITE, ("secrets", "upload"): WRITE,
        ("secrets", "delete"): DELETE, ("secrets", "notes"): WRITE, ("secrets", "list"): SECRET,
        ("configs",): READ, ("configs", "list"): READ, ("configs", "get"): READ, ("configs", "logs"): READ,
        ("configs", "create"): CREATE, ("configs", "clone"): CREATE, ("configs", "update"): WRITE,
        ("configs", "lock"): WRITE, ("configs", "unlock"): WRITE, ("configs", "delete"): whole_config,
        ("configs", "tokens"): READ, ("configs", "tokens", "create"): Verb("permission", kind="token",
                                                                          also="secret_read"),
        ("configs", "tokens", "revoke"): PERMISSION,
        ("projects",): READ, ("projects", "list"): READ, ("projects", "get"): READ,
        ("projects", "create"): CREATE, ("projects", "update"): WRITE,
        ("projects", "delete"): Verb("delete", kind="project", data_loss=True, whole=True, reversible="no"),
        ("environments",): READ, ("environments", "list"): READ, ("environments", "get"): READ,
        ("environments", "create"): CREATE, ("environments", "rename"): WRITE,
        ("environments", "delete"): Verb("delete", kind="environment", data_loss=True, whole=True,
                                         reversible="no"),
        ("import",): WRITE, ("setup",): LOCAL_READ, ("login",): LOCAL_READ, ("logout",): LOCAL_READ,
        ("configure",): LOCAL_READ, ("me",): LOCAL_READ, ("activity",): READ, ("open",): LOCAL_READ,
        ("update",): LOCAL_READ, ("version",): LOCAL_READ, ("help",): LOCAL_READ, ("completion",): LOCAL_READ,
    }

    def refine(self, verb: Verb | None, sub: Sequence[str], opts: Options) -> Verb | None:
        if verb is SECRET and tuple(sub) in (("secrets",), ("secrets", "list")) and opts.has("--only-names"):
            return READ
        return verb

    def placement(self, inv: Invocation, opts: Options, targets: Sequence[str]) -> Placement:
        placed = super().placement(inv, opts, targets)
        if placed is self.default_placement:
            return Placement(UNKNOWN, "no --config names the Doppler environment; the directory's configured one "
                                      "is not read (unknown is treated as prod)")
        return placed


class Infisical(SecretTool):
    VALUE_OPTIONS = frozenset({"--env", "--projectId", "--path", "--token", "--domain", "--command", "--format",
                             "--output-file", "--type", "--tags", "--watch-interval"})
    env_flags = ("--env",)
    runners = frozenset({"run"})
    # infisical uses the `dev` environment when --env is not given
    default_placement = Placement(DEV, "infisical uses the 'dev' environment when --env is not given")
    table: ClassVar[dict[tuple[str, ...], Verb]] = {
        ("secrets",): SECRET, ("secrets", "get"): SECRET, ("export",): SECRET, ("secrets", "set"): WRITE,
        ("secrets", "delete"): DELETE, ("secrets", "folders", "get"): READ, ("secrets", "folders", "create"):
        CREATE, ("secrets", "folders", "delete"): DESTROY, ("secrets", "generate-example-env"): READ,
        ("login",): LOCAL_READ, ("init",): LOCAL_READ, ("user",): LOCAL_READ, ("reset",): LOCAL_READ,
        ("vault",): LOCAL_READ, ("scan",): LOCAL_READ, ("--version",): LOCAL_READ,
    }

    def placement(self, inv: Invocation, opts: Options, targets: Sequence[str]) -> Placement:
        value = opts.value("--env")
        if value:
            return inv.ctx.environments.classify("names", value, "infisical --env")
        return self.default_placement


# --- the dispatcher the FAMILIES table names -----------------------------------------------------------

TOOLS: dict[str, type[SecretTool]] = {
    "vault": Vault, "op": OnePassword, "pass": Pass, "gopass": Gopass, "security": Security, "sops": Sops,
    "kubeseal": Kubeseal, "keyring": Keyring, "bw": Bitwarden, "lpass": LastPass, "aws-vault": AwsVault,
    "chamber": Chamber, "doppler": Doppler, "infisical": Infisical,
}


class Secrets(Cli):
    NAMES = (
        "vault", "op", "pass", "security", "sops", "kubeseal", "gopass", "keyring", "bw", "lpass",
        "aws-vault", "chamber", "doppler", "infisical",
    )
    FAMILY = "secrets"
    _tools: ClassVar[dict[str, SecretTool]] = {}

    def analyze(self, inv: Invocation) -> list[Effect]:
        tool_class = TOOLS.get(inv.name)
        if tool_class is None:
            return [inv.unknown("a secret store changegate has no table for")]
        tool = self._tools.get(inv.name)
        if tool is None:
            tool = self._tools[inv.name] = tool_class()
        return tool.analyze(inv)
