"""SaltStack: `salt [OPTIONS] TARGET FUNCTION [ARGS]` runs an execution-module function on every minion the
target matches (`'*'`, globs, `-L` lists, `-G grain:value`, `-N nodegroup`, `-C` compound); `salt-ssh`
the same over SSH (`-r 'COMMAND'` raw); `salt-call FUNCTION` on this machine; `salt-cp` copies a file to
minions; `salt-key` accepts and deletes minion keys; `salt-run` runs a master runner.

`cmd.run 'COMMAND'` is judged as COMMAND on those hosts; `file.remove PATH` as a delete there; reads
(`test.ping`, `grains.items`, `*.list*`, `*.status`, …) are reads; `pillar.*` prints secrets; a function
changegate does not know is not understood.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.platforms.fleet import (
    FLEET_TAG,
    Fleet,
    on_fleet,
    on_hosts,
    place_fleet,
    run_on_fleet,
)

SHELL = frozenset({"cmd.run", "cmd.run_all", "cmd.run_stdout", "cmd.run_stderr", "cmd.shell", "cmd.run_bg",
                   "cmd.retcode", "cmd.run_chroot"})
OPAQUE = frozenset({"cmd.script", "cmd.script_retcode", "cmd.exec_code", "cmd.exec_code_all", "cmd.powershell",
                    "state.template_str", "state.sls_id"})
READ_MODULES = frozenset({"test", "grains", "sys", "status", "network", "match", "disk", "jobs", "manage",
                          "cmd.which", "cmd.has_exec", "cmd.shells", "config", "sysctl.get", "sysctl.show"})
READ_NAME = re.compile(r"(^|_)(list|get|show|status|info|version|available|exists|read|stats|grep|find|which|"
                       r"items|item|ping|usage|search|check|diff|verify|missing|enabled|disabled|running|"
                       r"percent|inodeusage|ls|contains)(_|$)")
SECRET_MODULES = frozenset({"pillar", "shadow"})
DELETE_PATH = frozenset({"file.remove", "file.rmdir", "file.delete_backup", "file.absent"})
WRITE_PATH = frozenset({"file.write", "file.append", "file.prepend", "file.touch", "file.mkdir", "file.makedirs",
                        "file.copy", "file.move", "file.rename", "file.symlink", "file.replace", "file.sed",
                        "file.line", "file.blockreplace", "file.manage_file", "file.truncate"})
PERMISSION_PATH = frozenset({"file.set_mode", "file.chown", "file.chgrp", "file.set_selinux_context"})
HOST_MODULES = frozenset({"service", "system", "ps", "mount", "kmod", "reboot", "power", "systemd"})
PERMISSION_MODULES = frozenset({"user", "group", "ssh", "acl", "sudoers", "keystone", "iptables", "firewalld"})
DELETES: Mapping[str, str] = {"pkg.remove": "package", "pkg.purge": "package", "pip.uninstall": "package",
                              "user.delete": "user", "group.delete": "group", "docker.rm": "container",
                              "lvm.lvremove": "disk", "lvm.vgremove": "disk", "zfs.destroy": "disk",
                              "zpool.destroy": "disk", "disk.wipe": "disk", "disk.format": "disk",
                              "partition.mklabel": "disk", "partition.rm": "disk"}
TARGET_FLAGS = ("-E", "--pcre", "-L", "--list", "-G", "--grain", "--grain-pcre", "-N", "--nodegroup", "-R",
                "--range", "-C", "--compound", "-I", "--pillar", "--pillar-pcre", "-S", "--ipcidr")
GLOB = re.compile(r"[*?\[]")
COMPOUND_WORDS = frozenset({"and", "or", "not"})


def kwargs_and_args(args: list[str]) -> tuple[dict[str, str], list[str]]:
    kwargs: dict[str, str] = {}
    plain: list[str] = []
    for arg in args:
        key, eq, value = arg.partition("=")
        if eq and re.fullmatch(r"[A-Za-z_]\w*", key):
            kwargs[key] = value
        else:
            plain.append(arg)
    return kwargs, plain


def operation_of(function: str, kwargs: Mapping[str, str]) -> Operation | str:
    """What a function does: an operation, or one of shell, opaque, delete-path, write-path, permission-path."""
    module, _, name = function.partition(".")
    if function in SHELL:
        return "shell"
    if function in OPAQUE:
        return "opaque"
    if module == "state" and kwargs.get("test", "").lower() == "true":
        return "read"
    if module in SECRET_MODULES and not name.startswith("set"):
        return "secret_read"
    if function in DELETE_PATH:
        return "delete-path"
    if function in WRITE_PATH:
        return "write-path"
    if function in PERMISSION_PATH:
        return "permission-path"
    if function in DELETES:
        return "delete"
    if module in READ_MODULES or function in READ_MODULES or READ_NAME.search(name):
        return "read"
    if module in HOST_MODULES:
        return "host_control"
    if module in PERMISSION_MODULES:
        return "permission"
    if module in ("state", "saltutil", "pkg", "pip", "git", "cron", "file", "archive", "cp", "npm", "gem",
                  "docker", "dockermod", "sysctl", "timezone", "locale", "hosts", "alternatives"):
        return "modify"
    return "unknown"


class Salt(Cli):
    NAMES = ("salt", "salt-ssh", "salt-call", "salt-cp")
    FAMILY = "remote"
    ENV_VARIABLES = ("SALT_CONFIG_DIR", "SALT_MINION_CONFIG", "SALT_MASTER_CONFIG")
    VALUE_OPTIONS = frozenset({
        "-t", "--timeout", "-b", "--batch", "--batch-size", "--batch-wait", "-c", "--config-dir", "--out",
        "--output", "--out-file", "--out-indent", "--return", "-a", "--auth", "--eauth", "--external-auth",
        "--saltenv", "--pillarenv", "--args-separator", "-l", "--log-level", "--log-file", "--log-file-level",
        "--roster", "--roster-file", "--priv", "--user", "--passwd", "--ssh-option", "--id", "--module-dirs",
        "-m", "--metadata", "--file-root", "--pillar-root", "--states-dir", "--master", "--thin-extra-modules",
        "--max-procs", "--extra-filerefs",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        args = opts.positionals
        if not args or opts.has("--version", "-V", "--help", "-h", "--versions-report", "-d", "--doc"):
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "help or documentation"),
                               reversible="yes", summary=f"{inv.name} help or documentation")]
        if inv.name == "salt-call":
            return self.call_here(inv, args)
        fleet = self.fleet(inv, opts, args[0])
        if inv.name == "salt-cp":
            return self.copy(inv, fleet, args[1:])
        if inv.name == "salt-ssh" and opts.has("-r", "--raw", "--raw-shell"):
            run_on_fleet(inv, fleet, " ".join(args[1:]), user=opts.value("--user"))
            return []
        if len(args) < 2:
            return [inv.unknown(f"{inv.name} {args[0]} without a function")]
        return self.function(inv, fleet, args[1], args[2:])

    # --- where ----------------------------------------------------------------------------------------
    @staticmethod
    def fleet(inv: Invocation, opts: Options, target: str) -> Fleet:
        kind = next((flag for flag in TARGET_FLAGS if opts.has(flag)), "glob")
        if kind in ("-L", "--list"):
            return place_fleet(inv, hosts=[target], what="minion")
        if kind in ("-N", "--nodegroup"):
            return place_fleet(inv, groups=[target], what="minion")
        if kind in ("-C", "--compound"):
            words = [w.split("@", 1)[-1] for w in target.split() if w not in COMPOUND_WORDS]
            return place_fleet(inv, groups=[w.split(":")[-1] for w in words if w], what="minion")
        if kind in ("-G", "--grain", "--grain-pcre", "-I", "--pillar", "--pillar-pcre"):
            return place_fleet(inv, groups=[target.split(":")[-1]], what="minion")
        if target in ("*", ".*", "'*'"):
            return place_fleet(inv, every=True, what="minion")
        if GLOB.search(target) or kind != "glob":
            return place_fleet(inv, groups=[GLOB.sub("", target) or target], what="minion")
        return place_fleet(inv, hosts=[target], what="minion")

    # --- what -----------------------------------------------------------------------------------------
    def function(self, inv: Invocation, fleet: Fleet, function: str, args: list[str]) -> list[Effect]:
        kwargs, plain = kwargs_and_args(args)
        operation = operation_of(function, kwargs)
        shown = f"{inv.name} {function} {' '.join(args[:2])}".rstrip()
        user = kwargs.get("runas")
        if operation == "shell":
            command = plain[0] if plain else kwargs.get("cmd", "")
            if not command:
                return [inv.unknown(f"{function} without a command")]
            run_on_fleet(inv, fleet, command, user=user, elevated=user in (None, "root"), origin=function)
            return []
        if operation in ("delete-path", "write-path", "permission-path"):
            path = plain[0] if plain else kwargs.get("path", kwargs.get("name", "?"))
            on = on_hosts(inv, fleet, user)
            effect = (on.fs("delete", path, recursive=True, summary=f"{shown} deletes {path} on {fleet.label}")
                      if operation == "delete-path" else
                      on.fs("permission" if operation == "permission-path" else "modify", path, reversible="unknown",
                            summary=f"{shown} on {fleet.label}"))
            return [on_fleet(effect, fleet)]
        if operation == "opaque":
            return [inv.effect("execute_opaque", f"salt:{fleet.label}/{function}", fleet.placement,
                               scope=fleet.scope, count=fleet.count, kind="code", tags=(FLEET_TAG,),
                               summary=f"{shown}: runs code changegate cannot read on {fleet.label}")]
        if operation == "delete":
            kind = DELETES[function]
            return [on_fleet(inv.effect("delete", f"salt:{fleet.label}/{function}/{' '.join(plain[:1])}",
                                        fleet.placement, reversible="no", kind=kind, data_loss=kind == "disk",
                                        tags=("disk",) if kind == "disk" else (), summary=shown), fleet)]
        op: Operation = operation  # type: ignore[assignment]
        return [on_fleet(inv.effect(op, f"salt:{fleet.label}/{function}", fleet.placement,
                                    reversible="yes" if op in ("read", "secret_read") else "unknown",
                                    kind="hosts", summary=shown if op != "unknown" else
                                    f"{shown}: a salt function changegate does not know"), fleet)]

    def call_here(self, inv: Invocation, args: list[str]) -> list[Effect]:
        """salt-call FUNCTION: on this machine, whose system configuration changegate does not place."""
        here = Fleet("localhost", inv.ctx.remote_placement or Placement(UNKNOWN, "this machine's system "
                                                                                 "configuration"), "one", 1)
        function, rest = args[0], args[1:]
        kwargs, plain = kwargs_and_args(rest)
        if operation_of(function, kwargs) == "shell" and plain:
            inv.run_script(plain[0], origin=function)
            return []
        return self.function(inv, here, function, rest)

    @staticmethod
    def copy(inv: Invocation, fleet: Fleet, args: list[str]) -> list[Effect]:
        destination = args[-1] if len(args) > 1 else "?"
        effect = on_hosts(inv, fleet).fs("modify", destination, reversible="unknown",
                                         summary=f"salt-cp writes {destination} on {fleet.label}")
        return [on_fleet(effect, fleet)]


class SaltKey(Cli):
    """salt-key: the master's list of minion keys. Accepting, rejecting and deleting change which machines
    it commands."""

    NAMES = ("salt-key",)
    FAMILY = "remote"
    VALUE_OPTIONS = frozenset({"-l", "--list", "-p", "--print", "-f", "--finger", "-a", "--accept", "-r",
                               "--reject", "-d", "--delete", "--gen-keys", "--gen-keys-dir", "--keysize", "-c",
                               "--config-dir", "--out", "--log-level"})
    CHANGES = ("-a", "--accept", "-A", "--accept-all", "-r", "--reject", "-R", "--reject-all", "-d", "--delete",
               "-D", "--delete-all", "--include-all", "--gen-keys")
    EVERY = ("-A", "--accept-all", "-R", "--reject-all", "-D", "--delete-all")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if not opts.has(*self.CHANGES):
            return [inv.effect("read", "salt-key:", Placement(LOCAL, "it lists or prints keys"), reversible="yes",
                               summary="salt-key lists minion keys")]
        every = opts.has(*self.EVERY)
        named = opts.value("-a", "--accept", "-r", "--reject", "-d", "--delete") or "*"
        return [inv.effect("permission", f"salt-key:{named}", Placement(UNKNOWN, "the salt master's minion keys"),
                           scope="all" if every else "one", reversible="no" if opts.has("-d", "-D") else "unknown",
                           kind="minion key", summary=f"salt-key {' '.join(w.value for w in inv.words[:2])}")]


class SaltRun(Cli):
    """salt-run RUNNER.FUNCTION: a runner on the master. Job and status queries read; orchestration changes
    the minions it targets; others are not understood."""

    NAMES = ("salt-run",)
    FAMILY = "remote"
    VALUE_OPTIONS = Salt.VALUE_OPTIONS
    READS = frozenset({"jobs", "manage", "fileserver", "cache", "doc", "survey", "lookup_jid", "salt.cmd"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        function = opts.positionals[0] if opts.positionals else ""
        module, _, name = function.partition(".")
        where = Placement(UNKNOWN, "the salt master and its minions")
        if not function or (module in self.READS and (module != "manage" or READ_NAME.search(name) or
                                                      name in ("up", "down", "present", "not_present"))):
            return [inv.effect("read", f"salt-run:{function}", where, reversible="yes", summary=f"salt-run {function}")]
        if module == "state" and name in ("orchestrate", "orch", "sls"):
            return [inv.effect("modify", f"salt-run:{function}", where, scope="many", kind="hosts",
                               tags=(FLEET_TAG,), summary=f"salt-run {function} {' '.join(opts.positionals[1:2])}")]
        return [inv.effect("unknown", f"salt-run:{function}", where,
                           summary=f"salt-run {function}: a runner changegate does not know")]
