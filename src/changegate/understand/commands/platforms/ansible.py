"""ansible and its siblings: changes on the hosts an inventory names, placed by the inventory, the host
pattern, `--limit` or an `-e env=…` variable; ad-hoc `-m shell -a CMD` runs CMD on those hosts."""

from __future__ import annotations

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.platforms.fleet import FLEET_TAG, Fleet, on_fleet, on_hosts, run_on_fleet
from changegate.understand.placement import place_host, place_name, worst_of

READ_MODULES = frozenset({"ping", "setup", "debug", "gather_facts", "stat", "find", "command_info",
                          "service_facts", "package_facts", "getent", "wait_for", "uri"})
SHELL_MODULES = frozenset({"command", "shell", "raw", "ansible.builtin.command", "ansible.builtin.shell",
                           "ansible.builtin.raw"})
HOST_MODULES = frozenset({"service", "systemd", "reboot", "ansible.builtin.service", "ansible.builtin.systemd",
                          "ansible.builtin.reboot"})
PERMISSION_MODULES = frozenset({"user", "group", "authorized_key", "ansible.builtin.user", "ansible.builtin.group",
                                "ansible.posix.authorized_key"})
FILE_MODULES = ("file", "ansible.builtin.file")
READ_ONLY_TOOLS = frozenset({"ansible-inventory", "ansible-config", "ansible-doc", "ansible-lint", "ansible-test",
                             "ansible-console"})
DRY_RUN_FLAGS = ("--check", "-C", "--syntax-check", "--list-hosts", "--list-tasks", "--list-tags")
INVENTORY = ("-i", "--inventory", "--inventory-file")
LIMIT = ("-l", "--limit")
ENVIRONMENT_KEYS = ("env", "environment", "stage", "target", "deploy_env", "tier")  # `-e env=prod`
MAX_HOSTS = 16


class Ansible(Cli):
    """Not a `TOOL NOUN… VERB` CLI: what runs is a playbook or a module, and where is the inventory's."""

    NAMES = (
        "ansible", "ansible-playbook", "ansible-vault", "ansible-galaxy", "ansible-inventory",
        "ansible-config", "ansible-doc", "ansible-lint", "ansible-pull", "ansible-console",
    )
    ENV_VARIABLES = ("ANSIBLE_INVENTORY", "ANSIBLE_CONFIG", "ANSIBLE_REMOTE_USER", "ANSIBLE_BECOME",
                     "ANSIBLE_VAULT_PASSWORD_FILE", "ANSIBLE_LIMIT")
    VALUE_OPTIONS = frozenset({
        "-i", "--inventory", "--inventory-file", "-l", "--limit", "-e", "--extra-vars", "-t", "--tags",
        "--skip-tags", "-u", "--user", "--become-user", "--become-method", "-f", "--forks", "-M", "--module-path",
        "--vault-id", "--vault-password-file", "--private-key", "--key-file", "-c", "--connection", "-T",
        "--timeout", "--start-at-task", "--ssh-common-args", "--ssh-extra-args", "--scp-extra-args",
        "--sftp-extra-args", "-m", "--module-name", "-a", "--args", "-B", "--background", "-P", "--poll", "-o",
        "--tree",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if inv.name == "ansible-vault":
            return self.vault(inv, opts)
        if inv.name in READ_ONLY_TOOLS or opts.has("--version", "-h", "--help"):
            return [inv.effect("read", f"{inv.name}:", Placement(LOCAL, "it only reads"), reversible="yes",
                               summary=f"{inv.name} (read-only)")]
        if inv.name == "ansible-galaxy":
            return [inv.effect("modify", "ansible-galaxy:collections",
                               Placement(LOCAL, "roles and collections installed for this user"),
                               reversible="yes", summary=f"ansible-galaxy {' '.join(opts.positionals[:2])}")]
        pattern = opts.positionals[0] if inv.name == "ansible" and opts.positionals else ""
        placement = self.place_hosts(inv, opts, pattern)
        hosts = opts.value(*LIMIT) or pattern or "all"
        resource = f"ansible:{opts.value(*INVENTORY) or '?'}/{hosts}"
        scope: Scope = "all" if hosts in ("all", "*") and not opts.value(*LIMIT) else "many"
        if opts.has(*DRY_RUN_FLAGS):
            return [inv.effect("read", resource, placement, reversible="yes", summary=f"{inv.name} (a dry run)")]
        if inv.name == "ansible":
            return self.ad_hoc(inv, opts, resource, placement, scope, hosts)
        playbooks = " ".join(opts.positionals[:2])
        return [inv.effect("modify", resource, placement, scope=scope, kind="hosts", tags=("configuration",),
                           summary=f"runs playbook {playbooks} against {hosts}",
                           suggestions=(f"see what it would change first: {inv.text.strip()} --check --diff",))]

    def ad_hoc(self, inv: Invocation, opts: Options, resource: str, placement: Placement, scope: Scope,
               hosts: str) -> list[Effect]:
        module = opts.value("-m", "--module-name") or "command"
        arguments = opts.value("-a", "--args") or ""
        fleet = Fleet(hosts, placement, scope)
        become = opts.has("-b", "--become")
        if module in READ_MODULES:
            return [inv.effect("read", resource, placement, reversible="yes", summary=f"ansible -m {module}")]
        if module in SHELL_MODULES and arguments:
            run_on_fleet(inv, fleet, arguments, user="root" if become else opts.value("-u", "--user"),
                         elevated=become, origin=f"ansible -m {module}")
            return []
        if module in FILE_MODULES and "state=absent" in arguments:
            path = next((p.split("=", 1)[1] for p in arguments.split()
                         if p.startswith(("path=", "dest=", "name="))), "?")
            effect = on_hosts(inv, fleet).fs("delete", path, recursive=True,
                                             summary=f"ansible deletes {path} on {hosts}")
            return [on_fleet(effect, fleet)]
        operation: Operation = ("host_control" if module in HOST_MODULES else "permission"
                                if module in PERMISSION_MODULES else "modify")
        return [inv.effect(operation, resource, placement, scope=scope, kind="hosts", tags=(FLEET_TAG,),
                           summary=f"ansible -m {module} {arguments[:60]} on {hosts}".rstrip())]

    @staticmethod
    def place_hosts(inv: Invocation, opts: Options, pattern: str) -> Placement:
        """The most severe environment the inventory's hosts or path, the host pattern or an `-e env=…`
        names; local when all of them are this machine."""
        environments = inv.ctx.environments
        if opts.value("-c", "--connection") == "local":
            return Placement(LOCAL, "--connection local runs on this machine")
        inventory = opts.value(*INVENTORY) or ""
        candidates: list[Placement] = []
        if "," in inventory:  # an inline host list
            hosts = [h for h in inventory.split(",") if h][:MAX_HOSTS]
            candidates.extend(place_host(environments, h, "inventory host") for h in hosts)
        elif inventory:
            resolved = inv.ctx.resolve(inventory) or inventory
            parts = [p for p in resolved.split("/") if p][-3:]
            candidates.extend(place_name(environments, p.rsplit(".", 1)[0], "the inventory") for p in parts)
        for value in [opts.value(*LIMIT) or "", pattern]:
            if value and value not in ("all", "*"):
                candidates.append(place_name(environments, value, "the host pattern"))
        for assignment in opts.values("-e", "--extra-vars"):
            for pair in assignment.split()[:MAX_HOSTS]:
                key, eq, value = pair.partition("=")
                if eq and key.lower() in ENVIRONMENT_KEYS:
                    candidates.append(place_name(environments, value, f"-e {key}"))
        known = [p for p in candidates if p.environment != UNKNOWN]
        if known:
            return worst_of(known, "")
        if candidates and all(p.environment == LOCAL for p in candidates):
            return candidates[0]
        return Placement(UNKNOWN, "neither the inventory nor the host pattern says which environment these hosts "
                                  "are in (unknown is treated as prod)")

    @staticmethod
    def vault(inv: Invocation, opts: Options) -> list[Effect]:
        sub = opts.positionals[0] if opts.positionals else ""
        files = opts.positionals[1:]
        if sub in ("view", "decrypt") and not (sub == "decrypt" and opts.value("--output")):
            return [inv.effect("secret_read", f"fs:{inv.ctx.resolve(files[0]) if files else '?'}",
                               Placement(LOCAL, "decrypting happens on this machine"), kind="vault file",
                               reversible="yes", summary=f"ansible-vault {sub} prints the decrypted secrets")]
        if sub in ("encrypt", "create", "edit", "rekey", "decrypt") and files:
            return [inv.fs("modify", files[0], reversible="unknown", summary=f"ansible-vault {sub} {files[0]}")]
        return [inv.effect("read", "ansible-vault:", Placement(LOCAL, "it prints ciphertext"), reversible="yes",
                           summary=f"ansible-vault {sub}")]
