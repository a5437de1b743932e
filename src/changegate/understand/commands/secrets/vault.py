"""HashiCorp Vault: placed by its address (-address, VAULT_ADDR), then its namespace or the secret's path."""

from __future__ import annotations

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.secrets.base import (
    CREATE,
    DESTROY,
    LOCAL_READ,
    PERMISSION,
    READ,
    SECRET,
    SOFT_DELETE,
    WRITE,
    SecretTool,
    Verb,
)
from changegate.understand.placement import place_name, place_url

STATUS_PATHS = ("sys/", "auth/token/lookup")  # reading these prints no secret
ACCESS_PATHS = ("sys/policy", "sys/policies", "auth/", "identity/")  # writing these changes who may read what
RESTORE = Verb("replace", kind="vault data", data_loss=True, whole=True, reversible="no")
REVOKE_PREFIX = Verb("delete", kind="leases", reversible="no", scope="many")


class Vault(SecretTool):
    NAMES = ("vault",)
    ENV_VARIABLES = ("VAULT_ADDR", "VAULT_NAMESPACE", "VAULT_TOKEN", "VAULT_CACERT", "VAULT_SKIP_VERIFY")
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = frozenset({
        "-address", "-namespace", "-ns", "-format", "-field", "-mount", "-version", "-versions", "-ca-cert",
        "-client-cert", "-client-key", "-wrap-ttl", "-policy", "-ttl", "-path", "-type", "-description",
        "-method", "-role", "-display-name", "-explicit-max-ttl", "-period", "-id", "-accessor", "-plugin-name",
        "-max-lease-ttl", "-default-lease-ttl", "-key-shares", "-key-threshold", "-output", "-header",
    })

    def read(self, call: Call) -> list[Effect]:
        path = call.args[0] if call.args else ""
        return (READ if path.startswith(STATUS_PATHS) else SECRET)(self, call)

    def write(self, call: Call) -> list[Effect]:
        """`write` is a change, except to policies and auth (access) or to a transit decrypt (a read)."""
        path = call.args[0] if call.args else ""
        if path.startswith(ACCESS_PATHS):
            return PERMISSION(self, call)
        return (SECRET if "/decrypt/" in f"/{path}" else WRITE)(self, call)

    def snapshot(self, call: Call) -> list[Effect]:
        """`operator raft snapshot save` reads; `… restore` replaces everything the server holds."""
        return (RESTORE if "restore" in call.opts.positionals else READ)(self, call)

    def revoke_leases(self, call: Call) -> list[Effect]:
        if call.opts.has("-prefix", "-force"):
            return REVOKE_PREFIX(self, call)
        return Verb("delete", kind="lease", reversible="no")(self, call)

    VERBS = {
        **SecretTool.VERBS,
        "read": read, "list": READ, "write": write, "delete": DESTROY, "patch": WRITE,
        "kv get": SECRET, "kv list": READ, "kv put": WRITE, "kv patch": WRITE,
        "kv rollback": WRITE, "kv undelete": WRITE, "kv enable-versioning": WRITE,
        "kv delete": SOFT_DELETE, "kv destroy": DESTROY,
        "kv metadata get": READ, "kv metadata list": READ, "kv metadata put": WRITE,
        "kv metadata patch": WRITE,
        "kv metadata delete": Verb("delete", data_loss=True, reversible="no", scope="all"),
        "secrets list": READ, "secrets enable": CREATE, "secrets tune": WRITE,
        "secrets move": WRITE,
        "secrets disable": Verb("delete", kind="secrets engine", data_loss=True, whole=True, reversible="no",
                                scope="all"),
        "auth list": READ, "auth help": READ, "auth enable": PERMISSION,
        "auth tune": PERMISSION, "auth move": PERMISSION,
        "auth disable": Verb("delete", kind="auth method", reversible="no"),
        "policy list": READ, "policy read": READ, "policy fmt": LOCAL_READ,
        "policy write": PERMISSION, "policy delete": Verb("delete", kind="policy", reversible="no"),
        "token lookup": READ, "token capabilities": READ, "token renew": WRITE,
        "token create": Verb("permission", kind="token", also="secret_read"),
        "token revoke": Verb("delete", kind="token", reversible="no"),
        "lease lookup": READ, "lease renew": WRITE,
        "lease revoke": revoke_leases,
        "audit list": READ, "audit enable": WRITE,
        "audit disable": Verb("modify", kind="audit device"),
        "status": READ, "version": LOCAL_READ, "path-help": READ, "monitor": READ, "debug": READ,
        "print token": Verb("secret_read", kind="token"), "login": LOCAL_READ,
        "unwrap": SECRET, "namespace list": READ, "namespace lookup": READ,
        "namespace create": CREATE,
        "namespace delete": Verb("delete", kind="namespace", data_loss=True, whole=True, reversible="no"),
        "operator seal": Verb("host_control", kind="vault"),
        "operator step-down": Verb("host_control", kind="vault"),
        "operator unseal": WRITE, "operator members": READ, "operator key-status": READ,
        "operator init": Verb("create", kind="vault", also="secret_read"),
        "operator generate-root": Verb("permission", kind="root token", also="secret_read"),
        "operator rekey": Verb("permission", kind="unseal keys", also="secret_read"),
        "operator raft list-peers": READ, "operator raft autopilot": READ,
        "operator raft remove-peer": Verb("delete", kind="raft peer", reversible="no"),
        "operator raft snapshot": snapshot,
        "operator usage": READ, "operator diagnose": READ,
    }

    def placement(self, call: Call) -> Placement:
        """The address when it says where it is; else the namespace or the path; else the address."""
        ctx, opts = call.inv.ctx, call.opts
        environments = ctx.environments
        address = opts.value("-address") or ctx.getenv("VAULT_ADDR")
        if address:
            placed = place_url(environments, address, "-address" if opts.value("-address") else "VAULT_ADDR")
            if placed.environment != UNKNOWN:
                return placed
        namespace = opts.value("-namespace", "-ns") or ctx.getenv("VAULT_NAMESPACE")
        for name, label in ((namespace, "vault namespace"), *((t, "the secret path") for t in call.args[:1])):
            if name:
                named = place_name(environments, name, label)
                if named.environment != UNKNOWN:
                    return named
        if address:
            return place_url(environments, address, "VAULT_ADDR")
        return Placement(UNKNOWN, "VAULT_ADDR is not in the action's environment: the vault server cannot be "
                                  "placed (unknown is treated as prod)")

    def resource(self, call: Call) -> str:
        mount = call.opts.value("-mount")
        path = "/".join(p for p in (mount, call.args[0] if call.args else "") if p)
        return f"vault:{path or '?'}"
