"""glab: GitLab's words for what gh does — merge requests, notes, pipelines, snippets — judged as gh's."""

from __future__ import annotations

import dataclasses

from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.vcs.gh import Gh


class Glab(Gh):
    NAMES = ("glab",)
    ENV_VARIABLES = ("GITLAB_HOST", "GITLAB_TOKEN", "GITLAB_URI", "GITLAB_API_HOST", "GL_HOST", "GLAB_CONFIG_DIR")
    forge = "gitlab"
    ALIAS_FILE = ("GLAB_CONFIG_DIR", "glab-cli", "aliases.yml", "")
    BUILTIN_ALIASES = {}
    EXTENSIONS = ""
    NOUNS = {"mr": "pr", "ci": "run", "pipeline": "run", "snippet": "gist", "deploy-key": "deploy-key",
             "cluster": "cluster"}
    VERB_ALIASES = {"note": "comment", "update": "edit", "pr approve": "approve", "pr revoke": "edit",
                    "run trace": "view", "run status": "view", "run run": "run", "run artifact": "artifact",
                    "run retry": "retry", "gist create": "create", "repo transfer": "transfer"}

    def run_run(self, call: Call) -> list[Effect]:
        """`glab ci run`: a pipeline, judged like a workflow run by its branch and variables."""
        branch = call.opts.value("-b", "--branch", "--ref")
        pseudo = [branch] if branch else []
        return self.workflow_run(dataclasses.replace(call, args=[*pseudo, *call.args] or ["pipeline"]))

    VERBS = {**Gh.VERBS, "run run": run_run}
