"""doctl: DigitalOcean droplets, databases, Kubernetes clusters, apps, volumes."""

from __future__ import annotations

from changegate.understand.commands.platforms.base import Platform


class Doctl(Platform):
    NAMES = ("doctl",)
    ENV_VARIABLES = ("DIGITALOCEAN_CONTEXT", "DIGITALOCEAN_ACCESS_TOKEN", "DIGITALOCEAN_API_URL")
    VALUE_OPTIONS = frozenset({"--context", "-t", "--access-token", "-o", "--output", "--format", "-c",
                               "--config", "--region", "--size", "--image", "--ssh-keys", "--tag-name", "--tag",
                               "--app", "--spec", "--engine", "--num-nodes", "--version", "--node-pool"})
    CONTEXT_OPTIONS = ("--context",)
    CONTEXT_VARIABLES = ("DIGITALOCEAN_CONTEXT",)
    VERBS = {**Platform.VERBS, "d": "delete", "rm": "delete", "g": "read", "ls": "read", "c": "create",
             "u": "modify", "power-off": "host_control", "shutdown": "host_control", "reboot": "host_control",
             "power-cycle": "host_control", "rebuild": "replace", "restore": "replace"}
    DATA_NOUNS = frozenset({"database", "db", "volume", "snapshot", "registry", "repository", "bucket",
                            "backup", "space"})
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"cluster", "app", "project", "kubernetes"})
    PERMISSION_NOUNS = frozenset({"firewall", "ssh-key", "user", "token"})
    LOCAL_NOUNS = frozenset({"auth"})
