"""velero: backups, restores and schedules of a Kubernetes cluster, placed by its kube context."""

from __future__ import annotations

from changegate.environments import UNKNOWN, Placement
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform, nouns


class Velero(Platform):
    NAMES = ("velero",)
    ENV_VARIABLES = ("KUBECONFIG", "VELERO_NAMESPACE")
    VALUE_OPTIONS = frozenset({"--kubecontext", "--kubeconfig", "-n", "--namespace", "--selector", "-l",
                               "--from-backup", "--from-schedule", "--include-namespaces", "--exclude-namespaces",
                               "--include-resources", "--exclude-resources", "--ttl", "--storage-location",
                               "-o", "--output", "--name", "--schedule", "--provider", "--bucket", "--secret-file",
                               "--plugins", "--backup-location-config", "--snapshot-location-config"})
    NOUN_AFTER_VERB = True
    NOUNS = {**Platform.NOUNS, **nouns("backup", "restore", "schedule", "snapshot", "snapshot-location",
                                       "backup-location", "plugin", "repo", "client")}
    DATA_NOUNS = frozenset({"backup", "snapshot", "backup-location", "restore"})
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"uninstall"})
    VERB_KINDS = {"uninstall": frozenset({"uninstall"})}
    VERBS = {**Platform.VERBS, "uninstall": "delete", "install": "create", "get": "read"}

    def kinds(self, call: Call) -> set[str]:
        found = super().kinds(call)
        if call.verb == "delete":
            found.discard("restore")  # a restore record; its data stays in the cluster
        return found

    def placement(self, call: Call) -> Placement:
        from changegate.understand.kube import resolve_target

        ctx = call.inv.ctx
        target = resolve_target(ctx.environments, ctx.env, ctx.home, ctx.consulted,
                                context=call.opts.value("--kubecontext"), kubeconfig=call.opts.value("--kubeconfig"),
                                context_flag="--kubecontext")
        names = self.names(call)
        if target.placement.environment != UNKNOWN or not names:
            return target.placement
        return self.place(call, names)
