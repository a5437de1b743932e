"""gitlab-runner: registering, verifying and running the runners of a GitLab instance."""

from __future__ import annotations

from changegate.understand.commands.platforms.base import Platform


class GitlabRunner(Platform):
    NAMES = ("gitlab-runner",)
    ENV_VARIABLES = ("CI_SERVER_URL", "REGISTRATION_TOKEN", "RUNNER_NAME", "CONFIG_FILE")
    VALUE_OPTIONS = frozenset({"--url", "-u", "--token", "-t", "--name", "-n", "--config", "-c",
                               "--executor", "--description", "--tag-list", "--working-directory", "--user"})
    ADDRESS_OPTIONS = ("--url", "-u")
    CONTEXT_OPTIONS = ("--name", "-n")
    SCOPE_FLAGS = frozenset({"--all-runners"})
    WHERE_UNKNOWN = "no --url says which GitLab the runners are registered with"
    VERBS = {**Platform.VERBS, "verify": "read", "run": "host_control", "start": "host_control",
             "stop": "host_control", "restart": "host_control"}
