"""Infrastructure as code: terraform/tofu/terragrunt, pulumi, and the stack deployers (cdk, cdktf, sam,
serverless, eksctl).

What an `apply` does is only known once it has planned, so:
- given a JSON plan (a `*.json` passed, or a saved plan file `X` with `X.json` beside it that is not older
  than `X`), the decision is the plan's (`understand/plans.py`): counts, data, share of the state;
- without one, `apply` is "unknown changes" (the policy asks in prod, allows in dev) and the suggestion
  says how to give the plan; `destroy` is everything in that state — counted from a local state file when
  there is one, else the whole environment of its workspace;
- `-replace=ADDR` and `taint ADDR` are replaces of that address; `-target` narrows what is named.
State surgery (`state rm|mv|push`, `workspace delete`, `force-unlock`, `import`) changes what terraform
believes exists, which later applies act on.

The environment combines the workspace (`TF_WORKSPACE`, `.terraform/environment` under `-chdir`), the
variables and var-files given (`-var env=prod`, `-var-file=envs/prod.tfvars`), directory names
(`live/prod/…`), the AWS profile, and the plan's own signals (`understand/signals.py`).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from collections.abc import Sequence
from typing import Any, ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import UNKNOWN_PART, Invocation, NotUnderstood, Word
from changegate.understand.cli import Cli, Options, parse_options
from changegate.understand.resource_types import (
    address_type,
    terraform_holds_data,
    terraform_whole_environment,
)
from changegate.understand.signals import directory_signals, named, strongest

PLAN_HOWTO = ("give changegate the plan: terraform plan -out tf.plan && terraform show -json tf.plan > tf.plan.json, "
              "then changegate check --plan tf.plan.json (and apply exactly tf.plan)")
MAX_STATE_BYTES = 64 * 1024 * 1024
MAX_NAMED = 3


def normalise(words: Sequence[Word]) -> list[Word]:
    """terraform takes `-flag` and `--flag` alike: fold to one dash."""
    return [Word(w.value[1:], w.glob, w.text) if w.value.startswith("--") and len(w.value) > 2 else w
            for w in words]


def show(value: str) -> str:
    return value.replace(UNKNOWN_PART, "…")


# --- terraform, tofu, terragrunt ------------------------------------------------------------------------

TF_VALUES = frozenset({
    "-var", "-var-file", "-target", "-replace", "-out", "-chdir", "-state", "-state-out", "-backup", "-lock-timeout",
    "-parallelism", "-generate-config-out", "-from-module", "-backend-config", "-plugin-dir", "-test-directory",
    "-filter", "-exclude", "-terragrunt-working-dir", "-working-dir", "-terragrunt-config", "-config",
    "-terragrunt-source", "-source", "-terragrunt-include-dir", "-queue-include-dir", "-terragrunt-exclude-dir",
    "-queue-exclude-dir", "-terragrunt-iam-role", "-iam-assume-role", "-tf-path", "-terragrunt-tfpath",
})
TF_READS = frozenset({"plan", "show", "validate", "version", "providers", "graph", "console", "get", "metadata",
                      "help", "render-json", "hclfmt", "graph-dependencies", "output-module-groups", "info",
                      "validate-inputs", "find", "list", "dag", "hcl", "catalog"})
TF_LOCAL = frozenset({"init", "fmt", "login", "logout", "scaffold", "modules"})
TERRAGRUNT_ALL = {"apply-all": "apply", "destroy-all": "destroy", "plan-all": "plan", "output-all": "output",
                  "validate-all": "validate"}


class Terraform(Cli):
    NAMES = ("terraform", "tofu", "terragrunt")
    FAMILY = "terraform"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = TF_VALUES

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = normalise(inv.words)
        opts = parse_options(words, TF_VALUES, long_single_dash=True)
        positionals = list(opts.positionals)
        every_module = False
        if inv.name == "terragrunt":
            positionals, every_module = terragrunt_command(positionals, opts)
        if not positionals:
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "prints its help"), reversible="yes",
                               summary=f"{inv.name} (help)")]
        run = TerraformRun(inv, opts, positionals[0], positionals[1:], every_module)
        handler = getattr(run, "verb_" + run.verb.replace("-", "_"), None)
        if handler is not None:
            result: list[Effect] = handler()
            return result
        if run.verb in TF_READS:
            return [run.read(f"{inv.name} {run.verb} (reads)")]
        if run.verb in TF_LOCAL:
            return [run.local(run.verb)]
        return [inv.effect("unknown", run.uri, run.placement, reversible="unknown",
                           summary=f"runs {inv.name} {run.verb}, which changegate does not know")]


def terragrunt_command(positionals: list[str], opts: Options) -> tuple[list[str], bool]:
    """`run-all apply`, `run --all -- apply`, `apply-all` -> (['apply'], every module)."""
    if positionals and positionals[0] in TERRAGRUNT_ALL:
        return [TERRAGRUNT_ALL[positionals[0]], *positionals[1:]], True
    if positionals and positionals[0] == "run-all":
        return positionals[1:], True
    if positionals and positionals[0] == "run":
        return positionals[1:], opts.has("-all", "-a")
    if positionals and positionals[0] == "stack" and len(positionals) > 1 and positionals[1] == "run":
        return positionals[2:], True
    return positionals, opts.has("-all")


class TerraformRun:
    """One terraform call: its directory, workspace and environment, and the verb handlers."""

    def __init__(self, inv: Invocation, opts: Options, verb: str, args: list[str], every_module: bool) -> None:
        self.inv = inv
        self.opts = opts
        self.verb = verb
        self.args = args
        self.every_module = every_module
        chdir = opts.value("-chdir", "-terragrunt-working-dir", "-working-dir")
        self.directory = inv.ctx.resolve(chdir) if chdir else inv.ctx.cwd
        self.workspace = self.find_workspace()
        self._placement: Placement | None = None

    # --- where ----------------------------------------------------------------------------------------
    @property
    def local_files(self) -> bool:
        """Whether files named by the command are on this machine (not under ssh or in a pod)."""
        return self.inv.ctx.remote is None

    def find_workspace(self) -> str | None:
        from changegate.understand.plans import read_workspace_file

        workspace = self.inv.ctx.getenv("TF_WORKSPACE")
        if workspace or not self.local_files:
            return workspace
        return read_workspace_file(self.directory, self.inv.ctx.consulted)

    def signals(self) -> list[Placement]:
        env = self.inv.ctx.environments
        out: list[Placement] = []
        if self.workspace:
            placed = env.workspace(self.workspace)
            if placed.environment != UNKNOWN or "by the policy" in placed.why:
                out.append(placed)
        for assignment in self.opts.values("-var"):
            name, _, value = assignment.partition("=")
            if name.strip() in ("env", "environment", "stage", "env_name", "environment_name", "tier"):
                found = named(env, "names", value.strip().strip("\"'"), f"-var {name.strip()} =")
                if found:
                    out.append(found)
        for var_file in self.opts.values("-var-file"):
            path = self.resolve_here(var_file)  # var files are relative to the working directory (-chdir)
            stem = posixpath.basename(var_file).split(".", 1)[0]
            found = named(env, "names", stem, "var file")
            if found:
                out.append(found)
            out.extend(directory_signals(env, posixpath.dirname(path) if path else None, self.inv.ctx.home,
                                         "var file directory"))
        out.extend(directory_signals(env, self.directory, self.inv.ctx.home, "directory"))
        for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            found = named(env, "aws_profiles", self.inv.ctx.getenv(variable), f"AWS profile ({variable})")
            if found:
                out.append(found)
                break
        return out

    @property
    def placement(self) -> Placement:
        if self._placement is None:
            if self.inv.ctx.remote_placement is not None:
                self._placement = self.inv.ctx.remote_placement
            else:
                where = f"workspace {self.workspace!r}" if self.workspace else "the default workspace"
                self._placement = strongest(self.signals(), f"nothing says which environment {where} of "
                                            f"{self.directory or 'this directory'} is (unknown is treated as prod)")
        return self._placement

    @property
    def label(self) -> str:
        return self.workspace or posixpath.basename(self.directory or "") or "?"

    @property
    def uri(self) -> str:
        return f"tf:{self.label}"

    def read(self, summary: str) -> Effect:
        return self.inv.effect("read", self.uri, self.placement, reversible="yes", summary=summary)

    def local(self, verb: str) -> Effect:
        placement = self.inv.ctx.place_path(self.directory)
        tags: tuple[str, ...] = ()
        if verb == "init" and self.opts.has("-migrate-state", "-force-copy"):
            return self.inv.effect("modify", f"{self.uri}/state", self.placement, reversible="unknown",
                                   kind="terraform-state", tags=("state-migration",),
                                   summary=f"{self.inv.name} init -migrate-state copies the state to another backend")
        if verb == "fmt" and self.opts.has("-check"):
            return self.read(f"{self.inv.name} fmt -check (reads)")
        return self.inv.effect("modify", f"fs:{self.directory or '?'}", placement, reversible="yes", tags=tags,
                               kind="directory", summary=f"{self.inv.name} {verb} (local files)")

    def state_effect(self, operation: Operation, summary: str, *, tags: tuple[str, ...] = (),
                     data_loss: bool = False, whole: bool = False, reversible: str = "unknown",
                     resource: str | None = None, suggestions: tuple[str, ...] = ()) -> Effect:
        return self.inv.effect(operation, resource or f"{self.uri}/state", self.placement, kind="terraform-state",
                               reversible=reversible, tags=tags, data_loss=data_loss, whole_environment=whole,
                               summary=summary, suggestions=suggestions)

    def base_tags(self) -> tuple[str, ...]:
        tags = []
        if self.opts.has("-auto-approve"):
            tags.append("auto-approve")
        if self.every_module:
            tags.append("every-module")
        return tuple(tags)

    # --- apply and destroy ----------------------------------------------------------------------------
    def verb_apply(self) -> list[Effect]:
        if self.opts.has("-destroy"):
            return self.verb_destroy()
        if self.opts.has("-refresh-only"):
            return [self.state_effect("modify", f"{self.inv.name} apply -refresh-only records what exists in the "
                                                "state; it changes no infrastructure", reversible="yes")]
        plan_file = self.args[0] if self.args else None
        if plan_file and self.local_files:
            planned = self.saved_plan(plan_file)
            if planned is not None:
                return planned
        effects = self.replacements()
        effects.append(self.unknown_changes(plan_file))
        return effects

    def saved_plan(self, raw: str) -> list[Effect] | None:
        """The effects of a saved plan whose JSON is readable, else None."""
        from changegate.understand import plans

        path = self.resolve_here(raw)
        if path is None:
            return None
        candidates = [path] if path.endswith(".json") else [path + ".json", posixpath.splitext(path)[0] + ".json"]
        for candidate in candidates:
            if candidate == path and not path.endswith(".json"):
                continue
            if not os.path.isfile(candidate):
                continue
            if candidate != path and is_older(candidate, path):
                continue  # a JSON older than the plan file may describe another plan
            data = plans.read_bounded(candidate, plans.MAX_PLAN_BYTES, "plan", candidate)
            doc = plans.decode_plan_bytes(data, candidate)
            self.inv.ctx.consulted[f"plan:{candidate}"] = "sha256:" + hashlib.sha256(data).hexdigest()
            context = plans.PlanContext(self.inv.ctx.environments, self.directory, self.inv.ctx.env,
                                        self.inv.ctx.consulted, workspace=self.workspace,
                                        extra_signals=self.signals(), label=self.label)
            source = plans.Source(posixpath.basename(candidate), candidate)
            effects = plans.analyze_plan_document(doc, source, context)
            return [with_tags(e, self.base_tags()) for e in effects]
        return None

    def resolve_here(self, raw: str) -> str | None:
        if UNKNOWN_PART in raw:
            return None
        if posixpath.isabs(raw) or raw.startswith("~"):
            return self.inv.ctx.resolve(raw)
        return posixpath.normpath(posixpath.join(self.directory, raw)) if self.directory else None

    def unknown_changes(self, plan_file: str | None) -> Effect:
        where = "in every module below " + (self.directory or "here") if self.every_module else ""
        targets = [show(t) for t in self.opts.values("-target")]
        if plan_file:
            what = (f"{self.inv.name} apply {show(plan_file)} applies a saved plan whose JSON changegate cannot read "
                    f"(no {show(plan_file)}.json beside it, or an older one)")
        elif targets:
            what = f"{self.inv.name} apply changes {', '.join(targets)} (and what they depend on) in ways only known " \
                   "once it plans"
        else:
            what = f"{self.inv.name} apply makes changes that are only known once it plans them {where}".rstrip()
        return self.inv.effect(
            "unknown", self.uri + ("/" + targets[0] if len(targets) == 1 else ""), self.placement,
            scope="many" if self.every_module or not targets else "one", reversible="unknown",
            kind="terraform-apply", tags=("unknown-changes", *self.base_tags()), summary=what,
            suggestions=(PLAN_HOWTO,))

    def replacements(self) -> list[Effect]:
        effects = []
        for address in self.opts.values("-replace"):
            effects.append(self.address_effect("replace", address, f"{self.inv.name} -replace destroys {show(address)} "
                                                                   "and creates it again"))
        return effects

    def address_effect(self, operation: Operation, address: str, summary: str, **extra: Any) -> Effect:
        resource_type = address_type(address)
        data = terraform_holds_data(resource_type)
        return self.inv.effect(
            operation, f"{self.uri}/{show(address)}", self.placement, kind=resource_type or "resource",
            reversible="no" if operation in ("delete", "replace") else "unknown",
            data_loss=data and operation in ("delete", "replace"),
            whole_environment=terraform_whole_environment(resource_type) and operation in ("delete", "replace"),
            tags=self.base_tags() + tuple(extra.pop("tags", ())),
            summary=summary + (" (it holds data)" if data and operation in ("delete", "replace") else ""),
            suggestions=(PLAN_HOWTO,), **extra)

    def verb_destroy(self) -> list[Effect]:
        targets = self.opts.values("-target")
        if targets:
            return [self.address_effect("delete", t, f"{self.inv.name} destroy deletes {show(t)} and what depends "
                                                     "on it") for t in targets]
        counted = self.counted_state() if self.local_files else None
        if counted:
            return counted
        where = f"every module below {self.directory}" if self.every_module else f"workspace {self.label}"
        return [self.inv.effect(
            "delete", f"{self.uri}/*", self.placement, scope="all", reversible="no", kind="terraform-state",
            whole_environment=True, tags=("destroy", *self.base_tags()),
            summary=f"{self.inv.name} destroy deletes every resource in the state of {where}",
            suggestions=("destroy only what you mean with -target=ADDRESS",
                         "show the destroy plan first: terraform plan -destroy -out d.plan && "
                         "terraform show -json d.plan > d.plan.json, then changegate check --plan d.plan.json"))]

    def counted_state(self) -> list[Effect] | None:
        """A destroy counted from a local state file, when there is one."""
        from changegate.understand import plans

        path = self.state_path()
        if path is None or not os.path.isfile(path):
            return None
        try:
            data = plans.read_bounded(path, MAX_STATE_BYTES, "state", path)
            state = plans.decode_state_bytes(data, path)
        except NotUnderstood:
            return None
        tally = plans.Tally()
        for resource in state.resources or ():
            if resource.mode != "managed":
                continue
            resource_type = str(resource.type or "?")
            module = str(resource.module or "")
            base = f"{module + '.' if module else ''}{resource_type}.{resource.name}"
            instances = 1 if resource.instances is None else len(resource.instances)  # count = 0 leaves none
            for _ in range(min(instances, plans.MAX_STATE_RESOURCES)):
                tally.add("delete", resource_type, module, base, terraform_holds_data(resource_type),
                          terraform_whole_environment(resource_type))
        if not tally.groups:
            return [self.read(f"{self.inv.name} destroy: the state at {path} holds no resources")]
        self.inv.ctx.consulted[f"state:{path}"] = "sha256:" + hashlib.sha256(data).hexdigest()
        total = tally.destroyed
        summary = plans.summary_line(tally, total, self.placement)
        return [with_tags(e, ("destroy", *self.base_tags())) for e in plans.group_effects(
            tally, family="terraform", label=self.label, placement=self.placement, total=total, whole=True,
            summary=f"{self.inv.name} destroy {summary}",
            suggestions=("destroy only what you mean with -target=ADDRESS",),
            evidence_prefix=f"{path}: ")]

    def state_path(self) -> str | None:
        explicit = self.opts.value("-state")
        if explicit:
            return self.resolve_here(explicit)
        if not self.directory:
            return None
        if self.workspace and self.workspace != "default":
            return posixpath.join(self.directory, "terraform.tfstate.d", self.workspace, "terraform.tfstate")
        return posixpath.join(self.directory, "terraform.tfstate")

    # --- reading outputs and state --------------------------------------------------------------------
    def verb_output(self) -> list[Effect]:
        if self.opts.has("-json", "-raw"):
            return [self.inv.effect("secret_read", f"{self.uri}/outputs", self.placement, reversible="yes",
                                    kind="secret", summary=f"{self.inv.name} output -json/-raw prints sensitive "
                                                           "outputs in clear text",
                                    suggestions=(f"{self.inv.name} output (without -json/-raw) hides sensitive "
                                                 "values",))]
        return [self.read(f"{self.inv.name} output (reads; sensitive values hidden)")]

    def verb_state(self) -> list[Effect]:
        sub = self.args[0] if self.args else "list"
        addresses = [show(a) for a in self.args[1:]]
        force = ("force",) if self.opts.has("-force") else ()
        if sub in ("list", "show", "identities"):
            return [self.read(f"{self.inv.name} state {sub} (reads)")]
        if sub == "pull":
            return [self.inv.effect("secret_read", f"{self.uri}/state", self.placement, reversible="yes",
                                    kind="terraform-state", summary=f"{self.inv.name} state pull prints the whole "
                                                                    "state, secrets in it included")]
        if sub == "rm":
            return [self.state_effect("delete", f"{self.inv.name} state rm forgets {', '.join(addresses) or '?'}: "
                                                "terraform stops managing it (it keeps running, untracked)",
                                      reversible="yes", tags=("state-surgery",),
                                      resource=f"{self.uri}/state/{addresses[0] if len(addresses) == 1 else '*'}",
                                      suggestions=("use a `removed` block in the configuration, which a plan shows",))]
        if sub == "push":
            return [self.state_effect("replace", f"{self.inv.name} state push overwrites the recorded state of "
                                                 f"{self.label}: the next apply acts on what it says",
                                      tags=("state-surgery", *force), data_loss=True, reversible="no",
                                      suggestions=("pull and compare first: terraform state pull > current.tfstate",))]
        return [self.state_effect("modify", f"{self.inv.name} state {sub} {' '.join(addresses)}".strip(),
                                  tags=("state-surgery",), reversible="yes")]

    def verb_workspace(self) -> list[Effect]:
        sub = self.args[0] if self.args else "show"
        name = show(self.args[1]) if len(self.args) > 1 else "?"
        if sub in ("list", "show"):
            return [self.read(f"{self.inv.name} workspace {sub} (reads)")]
        env = self.inv.ctx.environments
        named_placement = strongest([p for p in [env.workspace(name)] if p.environment != UNKNOWN]
                                    + self.signals(), f"workspace {name!r} names no environment")
        if sub == "delete":
            forced = self.opts.has("-force")
            return [self.inv.effect(
                "delete", f"tf:{name}/state", named_placement, scope="all" if forced else "one", reversible="no",
                kind="terraform-workspace", whole_environment=forced, data_loss=forced,
                tags=("force",) if forced else (),
                summary=f"{self.inv.name} workspace delete {name}" + (
                    " -force: its state is deleted and every resource in it is left running, unmanaged"
                    if forced else " (terraform refuses while the workspace still tracks resources)"),
                suggestions=("destroy the workspace's resources with a reviewed plan first",))]
        if sub == "new":
            return [self.inv.effect("create", f"tf:{name}/state", named_placement, reversible="yes",
                                    kind="terraform-workspace", summary=f"{self.inv.name} workspace new {name}")]
        return [self.inv.effect("modify", f"fs:{self.directory or '?'}/.terraform/environment",
                                Placement(LOCAL, "the selected workspace is recorded in the local .terraform"),
                                reversible="yes", kind="terraform-workspace",
                                summary=f"{self.inv.name} workspace {sub} {name}: later commands act on {name}")]

    def verb_force_unlock(self) -> list[Effect]:
        return [self.state_effect("modify", f"{self.inv.name} force-unlock removes the state lock: if another run "
                                            "still holds it, both write the state and it can be corrupted",
                                  tags=("force",), reversible="no",
                                  suggestions=("make sure no other run is going first (CI, a colleague)",))]

    def verb_import(self) -> list[Effect]:
        address = show(self.args[0]) if self.args else "?"
        return [self.state_effect("modify", f"{self.inv.name} import adopts an existing resource as {address}: later "
                                            "applies manage (and may change or destroy) it",
                                  reversible="yes", tags=("state-surgery",))]

    def verb_taint(self) -> list[Effect]:
        address = self.args[0] if self.args else "?"
        return [self.address_effect("replace", address, f"{self.inv.name} taint marks {show(address)} to be destroyed "
                                                        "and created again by the next apply",
                                    tags=("replace-scheduled",))]

    def verb_untaint(self) -> list[Effect]:
        return [self.state_effect("modify", f"{self.inv.name} untaint {' '.join(map(show, self.args))}",
                                  reversible="yes")]

    def verb_refresh(self) -> list[Effect]:
        return [self.state_effect("modify", f"{self.inv.name} refresh records what exists in the state",
                                  reversible="yes")]

    def verb_test(self) -> list[Effect]:
        return [self.inv.effect("unknown", self.uri, self.placement, reversible="unknown", kind="terraform-test",
                                tags=("unknown-changes",),
                                summary=f"{self.inv.name} test creates and destroys real resources with the "
                                        "configured providers")]

    def verb_plan(self) -> list[Effect]:
        return [self.read(f"{self.inv.name} plan (reads; writes only its plan file)")]


def is_older(path: str, than: str) -> bool:
    try:
        return os.path.getmtime(path) < os.path.getmtime(than)
    except OSError:
        return False


def with_tags(effect: Effect, tags: tuple[str, ...]) -> Effect:
    if not tags:
        return effect
    import msgspec

    return msgspec.structs.replace(effect, tags=tuple(dict.fromkeys((*effect.tags, *tags))))


# --- pulumi -----------------------------------------------------------------------------------------------

PULUMI_VALUES = frozenset({"-s", "--stack", "-C", "--cwd", "--target", "-t", "--replace", "--exclude",
                           "-m", "--message", "--config", "-c", "--config-file", "--parallel", "-p",
                           "--secrets-provider",
                           "--color", "--policy-pack", "--policy-pack-config", "--suppress-permalink", "--plan",
                           "--exec-kind", "--exec-agent", "--tracing", "--profiling", "--verbose", "-v", "--logflow",
                           "--target-dependents-of", "--import-file", "--file", "--from", "--provider", "--org"})
PULUMI_READS = frozenset({"preview", "pre", "about", "version", "whoami", "logs", "help", "schema", "convert",
                          "gen-completion", "completion", "ai", "policy", "console", "view-trace"})
PULUMI_LOCAL = frozenset({"new", "login", "logout", "plugin", "install", "package", "env", "org", "template"})


class Pulumi(Cli):
    NAMES = ("pulumi",)
    FAMILY = "pulumi"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = PULUMI_VALUES

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, PULUMI_VALUES)
        if not opts.positionals:
            return [inv.effect("read", "cmd:pulumi", Placement(LOCAL, "prints its help"), reversible="yes",
                               summary="pulumi (help)")]
        verb, args = opts.positionals[0], opts.positionals[1:]
        stack = opts.value("-s", "--stack")
        placement = deployer_placement(inv, [stack.rsplit("/", 1)[-1]] if stack else [],
                                       "no --stack is given: pulumi acts on the selected stack, which is not "
                                       "known here (unknown is treated as prod)")
        label = show(stack) if stack else "(selected stack)"
        uri = f"pulumi:{label}"
        tags = tuple(t for t, on in (("auto-approve", opts.has("-y", "--yes", "--skip-preview")),) if on)
        targets = [show(t) for t in opts.values("--target", "-t")]

        def effect(operation: Operation, summary: str, **fields: Any) -> Effect:
            fields.setdefault("reversible", "unknown")
            fields["tags"] = tuple(dict.fromkeys((*tags, *fields.get("tags", ()))))
            return inv.effect(operation, uri, placement, kind="pulumi-stack", summary=summary, **fields)

        if verb in ("up", "update"):
            effects = [effect("replace", f"pulumi up --replace {show(u)}: destroyed and created again",
                              reversible="no", tags=("replace",)) for u in opts.values("--replace")]
            effects.append(effect("unknown", f"pulumi up changes stack {label} in ways only known once it previews"
                                  + (f" (targets {', '.join(targets)})" if targets else ""),
                                  tags=("unknown-changes",),
                                  suggestions=(f"preview first and review it: pulumi preview --stack {label} "
                                               "--save-plan plan.json, then pulumi up --plan plan.json",)))
            return effects
        if verb == "destroy":
            if targets:
                return [effect("delete", f"pulumi destroy deletes {', '.join(targets)} of stack {label}",
                               reversible="no", scope="many" if len(targets) > 1 else "one")]
            return [effect("delete", f"pulumi destroy deletes every resource of stack {label}"
                           + (" and then the stack itself" if opts.has("--remove") else ""),
                           reversible="no", scope="all", whole_environment=True, tags=("destroy",),
                           suggestions=("destroy only what you mean with --target URN",))]
        if verb == "refresh":
            return [effect("modify", f"pulumi refresh records what exists in stack {label}'s state",
                           reversible="yes")]
        if verb == "watch":
            return [effect("unknown", f"pulumi watch deploys every file change to stack {label}",
                           tags=("unknown-changes",))]
        if verb in ("cancel", "import"):
            return [effect("modify", f"pulumi {verb} on stack {label}")]
        if verb == "stack":
            return pulumi_stack(inv, args, opts, effect, label)
        if verb == "state":
            sub = args[0] if args else ""
            if sub == "unprotect":
                return [effect("modify", f"pulumi state unprotect {' '.join(map(show, args[1:]))}: lets them be "
                                         "deleted", tags=("protection-removed",))]
            return [effect("delete" if sub == "delete" else "modify",
                           f"pulumi state {sub}: stack {label} forgets {' '.join(map(show, args[1:])) or 'resources'}",
                           tags=("state-surgery",))]
        if verb == "config":
            sub = args[0] if args else ""
            if sub in ("", "get", "env") and not opts.has("--show-secrets"):
                return [effect("read", f"pulumi config {sub} (reads)", reversible="yes")]
            if opts.has("--show-secrets"):
                return [effect("secret_read", f"pulumi config --show-secrets prints stack {label}'s secrets",
                               reversible="yes")]
            return [inv.effect("modify", f"fs:{inv.ctx.cwd or '?'}/Pulumi.yaml",
                               Placement(LOCAL, "stack configuration lives in the project's Pulumi.<stack>.yaml"),
                               reversible="yes", summary=f"pulumi config {sub} (the stack's configuration file)")]
        if verb in PULUMI_READS:
            return [effect("read", f"pulumi {verb} (reads)", reversible="yes")]
        if verb in PULUMI_LOCAL:
            return [inv.effect("modify", f"pulumi:{verb}", Placement(LOCAL, f"pulumi {verb} works locally"),
                               reversible="yes", summary=f"pulumi {verb} (local)")]
        return [effect("unknown", f"runs pulumi {verb}, which changegate does not know")]


def pulumi_stack(inv: Invocation, args: list[str], opts: Options, effect: Any, label: str) -> list[Effect]:
    sub = args[0] if args else "ls"
    if sub in ("ls", "history", "graph", "tag") and not (sub == "tag" and len(args) > 1 and args[1] != "ls"):
        return [effect("read", f"pulumi stack {sub} (reads)", reversible="yes")]
    if sub in ("output", "export") and opts.has("--show-secrets"):
        return [effect("secret_read", f"pulumi stack {sub} --show-secrets prints stack {label}'s secrets",
                       reversible="yes")]
    if sub in ("output", "export", ""):
        return [effect("read", f"pulumi stack {sub} (reads)", reversible="yes")]
    if sub == "rm":
        name = show(args[1]) if len(args) > 1 else label
        forced = opts.has("-f", "--force")
        return [effect("delete", f"pulumi stack rm {name}" + (
            " --force: deletes the stack's state and history while its resources keep running, unmanaged"
            if forced else ": deletes the stack's state and history (pulumi refuses while it holds resources)"),
            reversible="no", whole_environment=forced, data_loss=True, tags=("force",) if forced else ())]
    if sub == "import":
        return [effect("replace", f"pulumi stack import overwrites stack {label}'s state", reversible="no",
                       data_loss=True, tags=("state-surgery",))]
    if sub in ("select", "init", "change-secrets-provider", "rename", "unselect"):
        return [inv.effect("modify", f"pulumi:stack/{label}", Placement(LOCAL, "selects or names a stack"),
                           reversible="yes", summary=f"pulumi stack {sub} {' '.join(map(show, args[1:]))}".strip())]
    return [effect("unknown", f"runs pulumi stack {sub}, which changegate does not know")]


# --- stack deployers: cdk, cdktf, sam, serverless, eksctl -------------------------------------------------

DEPLOYER_VALUES = frozenset({
    "--profile", "--region", "-r", "--stage", "-s", "--stack-name", "--config-env", "--config-file", "-c",
    "--context", "--app", "-a", "--output", "-o", "--role-arn", "--parameter-overrides", "--param", "-f",
    "--function", "--name", "-n", "--cluster", "--nodegroup", "--aws-profile", "--template-file", "-t",
    "--template", "--s3-bucket", "--capabilities", "--tags", "--toolkit-stack-name", "--exclusively",
    "--var", "--var-file", "--method", "--concurrency", "--require-approval", "--change-set-name", "--nodes",
    "--nodes-min", "--nodes-max", "--node-type", "--version", "--kubeconfig", "--timeout", "--config",
})
DEPLOY_VERBS = frozenset({"deploy", "sync", "watch", "up", "hotswap"})
DESTROY_VERBS = frozenset({"destroy", "delete", "remove", "rm"})
DEPLOYER_READS = frozenset({"diff", "synth", "synthesize", "ls", "list", "doctor", "docs", "metadata", "notices",
                            "acknowledge", "ack", "validate", "build", "local", "logs", "info", "print", "package",
                            "metrics", "output", "outputs", "get", "help", "version", "traces", "drift",
                            "convert", "test", "describe", "plan"})


class Deployer(Cli):
    """cdk, cdktf, sam, serverless/sls, eksctl: deploy is unknown changes, destroy/delete/remove is a whole
    stack (or cluster)."""
    NAMES = ("cdk", "cdktf", "sam", "serverless", "sls", "eksctl")

    FAMILY = "deployer"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = DEPLOYER_VALUES

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, DEPLOYER_VALUES)
        if not opts.positionals:
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "prints its help"), reversible="yes",
                               summary=f"{inv.name} (help)")]
        verb, args = opts.positionals[0], opts.positionals[1:]
        if inv.name == "eksctl":
            return eksctl(inv, opts, verb, args)
        tool = "serverless" if inv.name == "sls" else inv.name
        names = self.stack_names(inv, opts, tool, args)
        placement = deployer_placement(inv, names, f"nothing says which environment {tool} {verb} targets "
                                                   "(unknown is treated as prod)")
        label = ", ".join(show(n) for n in names) or "(default)"
        uri = f"{tool}:{label}"
        preview_only = verb == "deploy" and (opts.has("--no-execute-changeset") or args[:1] == ["list"])
        if verb in DEPLOYER_READS or preview_only:
            return [inv.effect("read", uri, placement, reversible="yes", summary=f"{tool} {verb} (reads)")]
        if verb in DEPLOY_VERBS:
            function = opts.value("-f", "--function") if tool == "serverless" else None
            what = f"function {function} of" if function else "every resource of" if opts.has("--all") else ""
            return [inv.effect("unknown", uri, placement, reversible="unknown", kind="stack",
                               scope="many", tags=("unknown-changes",),
                               summary=f"{tool} {verb} changes {what} {label} in ways only known once it runs"
                                       .replace("  ", " "),
                               suggestions=(DEPLOY_PREVIEW.get(tool, "review the change set first"),))]
        if verb in DESTROY_VERBS or (tool == "sam" and verb == "delete"):
            every = opts.has("--all")
            return [inv.effect("delete", uri, placement, reversible="no", kind="stack",
                               scope="all" if every else "one", whole_environment=True,
                               tags=("destroy",) + (("force",) if opts.has("--force", "-f", "--no-prompts") else ()),
                               summary=f"{tool} {verb} deletes the whole stack {label}"
                                       + (" (every stack of the app)" if every else ""),
                               suggestions=("delete the specific resources you mean, or show the change set first",))]
        if verb in ("bootstrap", "init", "rollback", "import", "invoke", "publish", "plugin", "gc", "refactor"):
            operation: Operation = "publish" if verb == "publish" else "delete" if verb == "gc" else "modify"
            local = verb in ("init", "plugin")
            return [inv.effect(operation, uri, Placement(LOCAL, f"{tool} {verb} works locally") if local else placement,
                               reversible="unknown", summary=f"{tool} {verb} {label}")]
        return [inv.effect("unknown", uri, placement, reversible="unknown",
                           summary=f"runs {tool} {verb}, which changegate does not know")]

    @staticmethod
    def stack_names(inv: Invocation, opts: Options, tool: str, args: list[str]) -> list[str]:
        if tool == "serverless":
            stage = opts.value("--stage", "-s") or serverless_stage(inv)
            return [stage] if stage else []
        if tool == "sam":
            names = [v for v in (opts.value("--stack-name"), opts.value("--config-env")) if v]
            return names
        context_values = [v.split("=", 1)[1] for v in opts.values("-c", "--context") if "=" in v]
        return [a for a in args if not a.startswith("-")] + context_values


DEPLOY_PREVIEW = {
    "cdk": "review the diff first: cdk diff STACK (or cdk deploy --no-execute to create a change set)",
    "cdktf": "review the plan first: cdktf diff STACK",
    "sam": "create the change set without executing it: sam deploy --no-execute-changeset",
    "serverless": "package and review first: serverless package --stage STAGE",
}


def serverless_stage(inv: Invocation) -> str | None:
    """provider.stage from serverless.yml when it is a literal, else serverless's default `dev`; None when
    the file cannot be read or computes the stage (`${opt:stage, …}`)."""
    from changegate.understand.kube import load_small_yaml

    for name in ("serverless.yml", "serverless.yaml"):
        path = posixpath.join(inv.ctx.cwd, name) if inv.ctx.cwd else None
        if path is None or not os.path.isfile(path):
            continue
        doc = load_small_yaml(path)
        provider = doc.get("provider") if isinstance(doc, dict) else None
        if not isinstance(provider, dict):
            return None
        stage = provider.get("stage", "dev")
        if isinstance(stage, str) and "${" not in stage:
            inv.ctx.consulted[f"file:{path}:provider.stage"] = stage
            return stage
        return None
    return None


def deployer_placement(inv: Invocation, names: list[str], nothing: str) -> Placement:
    if inv.ctx.remote_placement is not None:
        return inv.ctx.remote_placement
    env = inv.ctx.environments
    signals: list[Placement] = []
    for value in names:
        found = named(env, "names", value, "name")
        if found:
            signals.append(found)
    profile_flag = next((w.value.split("=", 1)[-1] if "=" in w.value else None for w in inv.words
                         if w.value.startswith(("--profile=", "--aws-profile="))), None)
    for i, word in enumerate(inv.words[:-1]):
        if word.value in ("--profile", "--aws-profile"):
            profile_flag = inv.words[i + 1].value
    profile = profile_flag or inv.ctx.getenv("AWS_PROFILE") or inv.ctx.getenv("AWS_DEFAULT_PROFILE")
    found = named(env, "aws_profiles", profile, "AWS profile")
    if found:
        signals.append(found)
    # no directory names here: stacks and stages carry their own names, and a repository called `dev-tools`
    # must not turn an unknown stage into dev
    return strongest(signals, nothing)


def eksctl(inv: Invocation, opts: Options, verb: str, args: list[str]) -> list[Effect]:
    noun = args[0] if args else ""
    cluster = opts.value("--cluster") or opts.value("--name", "-n") or (args[1] if len(args) > 1 else None)
    cluster = cluster or eksctl_config_name(inv, opts.value("-f", "--config-file"))
    placement = deployer_placement(inv, [cluster] if cluster else [],
                                   "no cluster name says which environment this is (unknown is treated as prod)")
    label = show(cluster) if cluster else "?"
    uri = f"eks:{label}/{noun or 'cluster'}"
    if verb in ("get", "info", "version", "completion", "help"):
        return [inv.effect("read", uri, placement, reversible="yes", summary=f"eksctl {verb} {noun} (reads)")]
    if verb == "delete" and noun == "cluster":
        return [inv.effect("delete", f"eks:{label}", placement, reversible="no", kind="cluster", scope="all",
                           whole_environment=True, data_loss=True, tags=("destroy",),
                           summary=f"eksctl delete cluster {label}: the cluster, its nodes and the volumes of its "
                                   "PersistentVolumes go",
                           suggestions=("delete the workloads you mean instead of the cluster",))]
    if verb == "delete":
        operation: Operation = "permission" if noun in ("iamserviceaccount", "iamidentitymapping", "accessentry") \
            else "delete"
        return [inv.effect(operation, uri, placement, reversible="no", kind=noun,
                           summary=f"eksctl delete {noun} in cluster {label}")]
    if verb == "drain":
        return [inv.effect("host_control", uri, placement, reversible="yes", kind=noun,
                           summary=f"eksctl drain {noun} evicts every pod from its nodes in cluster {label}")]
    if verb == "create":
        operation = "permission" if noun in ("iamserviceaccount", "iamidentitymapping", "accessentry") else "create"
        return [inv.effect(operation, uri, placement, reversible="yes", kind=noun or "cluster",
                           summary=f"eksctl create {noun} {label}")]
    if verb == "utils" and noun == "write-kubeconfig":
        return [inv.effect("modify", "kubeconfig", Placement(LOCAL, "the kubeconfig on this machine"),
                           reversible="yes", summary="eksctl utils write-kubeconfig")]
    return [inv.effect("modify", uri, placement, reversible="unknown", kind=noun or "cluster",
                       summary=f"eksctl {verb} {noun} in cluster {label}".strip())]


def eksctl_config_name(inv: Invocation, raw: str | None) -> str | None:
    if not raw or raw == "-":
        return None
    from changegate.understand.kube import load_small_yaml

    path = inv.ctx.resolve(raw)
    doc = load_small_yaml(path) if path else None
    metadata = doc.get("metadata") if isinstance(doc, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else None
