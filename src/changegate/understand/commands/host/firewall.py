"""Firewalls: iptables (and its -save/-restore), nft, ufw, firewall-cmd. Listing reads; flushing leaves the
machine open (or cut off); switching the firewall off is worse than changing a rule."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call
from changegate.understand.commands.host.common import HostTool, control, option_letters, read

IPTABLES_FLUSHES = frozenset({"F", "--flush", "X", "--delete-chain"})
IPTABLES_CHANGES = frozenset({"A", "--append", "D", "--delete", "I", "--insert", "R", "--replace", "P", "--policy",
                              "N", "--new-chain", "E", "--rename-chain", "Z", "--zero"})
NFT_READS = frozenset({"list", "monitor", "describe", "-h"})
FIREWALLD_CHANGES = ("--add-", "--remove-", "--set-", "--new-", "--delete-", "--change-", "--load-", "--reset-",
                     "--reload", "--complete-reload", "--runtime-to-permanent", "--panic-on", "--panic-off",
                     "--lockdown-")


class Iptables(HostTool):
    NAMES = ("iptables", "ip6tables", "iptables-legacy", "iptables-nft")
    VALUE_OPTIONS = frozenset({"-t", "--table", "-A", "-D", "-I", "-R", "-N", "-E", "-P", "-j", "-p", "-s", "-d",
                               "-i", "-o", "-m", "--dport", "--sport", "-w", "--wait"})

    def effects(self, inv: Invocation) -> list[Effect]:
        letters = option_letters(self.walk(inv.words))
        if letters & IPTABLES_FLUSHES:
            return [control(inv, "firewall", f"{inv.name} flushes the firewall rules: the machine is left open (or "
                            "cut off, if the default policy drops)", tags=("firewall", "flush"), kind="firewall",
                            scope="all", reversible="no",
                            suggestions=(f"save the rules first: {inv.name}-save > rules.backup",))]
        if letters & IPTABLES_CHANGES:
            return [control(inv, "firewall", f"{inv.name} changes the firewall rules", tags=("firewall",),
                            kind="firewall")]
        return [read(inv, "lists the rules")]


class IptablesSave(HostTool):
    NAMES = ("iptables-save", "ip6tables-save")

    def effects(self, inv: Invocation) -> list[Effect]:
        return [read(inv, "prints the rules")]


class IptablesRestore(HostTool):
    NAMES = ("iptables-restore", "ip6tables-restore")

    def effects(self, inv: Invocation) -> list[Effect]:
        return [control(inv, "firewall", f"{inv.name} replaces the firewall rules", kind="firewall",
                        tags=("firewall",))]


class Nft(HostTool):
    NAMES = ("nft",)
    VALUE_OPTIONS = frozenset({"-f", "--file", "-I", "--includepath", "-D", "--define"})

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        words = opts.positionals
        verb = words[0] if words else ""
        if opts.has("-c", "--check") or verb in NFT_READS or (not verb and not opts.has("-f", "--file")):
            return [read(inv, verb)]
        flushing = verb == "flush" or (verb == "delete" and "table" in words[1:2])
        return [control(inv, "firewall", f"nft {' '.join(words[:3]) or 'loads rules'} changes the firewall",
                        tags=("firewall", "flush") if flushing else ("firewall",), kind="firewall",
                        scope="all" if flushing else "one")]


class Ufw(HostTool):
    NAMES = ("ufw",)
    DRY_RUN_FLAGS = frozenset({"--dry-run"})

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        verb = opts.positionals[0] if opts.positionals else "status"
        if opts.has(*self.DRY_RUN_FLAGS):
            return [read(inv, verb)]
        return self.dispatch(Call(inv, opts, verb, opts.positionals[1:], opts.positional_words[1:]))

    def off(self, call: Call) -> list[Effect]:
        return [control(call.inv, "firewall", f"ufw {call.verb} switches the firewall off",
                        tags=("firewall", "firewall-off"), kind="firewall", scope="all")]

    def app(self, call: Call) -> list[Effect]:
        if call.args[:1] in (["list"], ["info"]):
            return [read(call.inv, call.verb)]
        return self.unknown_verb(call)

    VERBS = {**HostTool.VERBS, **dict.fromkeys(("status", "show", "version", "help"), "read"),
             **dict.fromkeys(("disable", "reset"), off), "app": app}

    def unknown_verb(self, call: Call) -> list[Effect]:
        """allow, deny, delete, enable, default…: a rule or the firewall changes."""
        return [control(call.inv, "firewall", f"ufw {' '.join([call.verb, *call.args][:4])} changes the firewall",
                        tags=("firewall",), kind="firewall")]


class FirewallCmd(HostTool):
    NAMES = ("firewall-cmd",)

    def effects(self, inv: Invocation) -> list[Effect]:
        flags = [item.option for item in self.walk(inv.words).items
                 if item.option is not None and item.option.startswith("--")]
        changing = [f for f in flags if f.startswith(FIREWALLD_CHANGES)]
        if not changing:
            return [read(inv, " ".join(flags[:2]))]
        tags = ("firewall", "firewall-off") if "--panic-on" in changing else ("firewall",)
        return [control(inv, "firewall", f"firewall-cmd {' '.join(changing[:3])} changes the firewall", tags=tags,
                        kind="firewall")]
