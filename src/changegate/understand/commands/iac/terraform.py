"""terraform, tofu and terragrunt.

What an `apply` does is only known once it has planned, so:
- given a JSON plan (a `*.json` passed, or a saved plan file `X` with `X.json` beside it that is not older
  than `X`), the decision is the plan's (`understand/plans.py`): counts, data, share of the state;
- without one, `apply` changes what the configuration says in ways not visible here: a `replace` (it may
  destroy) tagged `unseen-changes` (the policy asks in prod, allows in dev), and the suggestion says how to
  give the plan — unless an earlier step of the same line deleted, emptied or swapped the configuration
  (`rm *.tf && terraform apply`): then it destroys what the lost files declared (`tfconfig.py`);
- `destroy` is everything in that state — counted from a local state file when there is one, else the whole
  environment of its workspace;
- `-replace=ADDR` and `taint ADDR` are replaces of that address; `-target` narrows what is named (a module
  target is everything in that module).
State surgery (`state rm|mv|push`, `workspace delete`, `force-unlock`, `import`) changes what terraform
believes exists, which later applies act on.

The environment combines the workspace (`TF_WORKSPACE`, a `terraform workspace select|new` earlier on the
line, `.terraform/environment` under `-chdir` or TF_DATA_DIR), the variables and var-files given (`-var
env=prod`, `TF_VAR_env=prod`, `-var-file=envs/prod.tfvars`), directory names (`live/prod/…`), the AWS profile,
and the plan's own signals (`understand/signals.py`). TF_CLI_ARGS and TF_CLI_ARGS_<verb> are read as the
options terraform inserts after the verb (`TF_CLI_ARGS=-destroy terraform apply` destroys).
"""

from __future__ import annotations

import hashlib
import posixpath
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand import facts
from changegate.understand.base import UNKNOWN_PART, Invocation, NotUnderstood, Word, written_earlier
from changegate.understand.cli import Call, Cli, Options
from changegate.understand.commands.cloud.aws_account import profile_placement, run_credential_process
from changegate.understand.commands.cloud.base import listed_by, listing, substituted_command
from changegate.understand.commands.iac import tfconfig
from changegate.understand.commands.iac.common import show, with_tags
from changegate.understand.resource_types import (
    address_type,
    terraform_holds_data,
    terraform_whole_environment,
)
from changegate.understand.signals import directory_signals, named, strongest

PLAN_HOWTO = ("give changegate the plan: terraform plan -out tf.plan && terraform show -json tf.plan > tf.plan.json, "
              "then changegate check --plan tf.plan.json (and apply exactly tf.plan)")
MAX_STATE_BYTES = 64 * 1024 * 1024

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
ENVIRONMENT_VARIABLE_NAMES = ("env", "environment", "stage", "env_name", "environment_name", "tier")
# what an earlier `terraform workspace select|new` on the line switched to, and in which directory
SWITCHED_WORKSPACE = "terraform-workspace"
SWITCHED_DIRECTORY = "terraform-workspace-directory"
# what `state list` and `workspace list` print in full
STATE_LISTING = "terraform state"
WORKSPACE_LISTING = "terraform workspace"


def normalise(words: Sequence[Word]) -> list[Word]:
    """terraform takes `-flag` and `--flag` alike: fold to one dash."""
    return [Word(w.value[1:], w.glob, w.text) if w.value.startswith("--") and len(w.value) > 2 else w
            for w in words]


def terragrunt_command(words: list[Word], opts: Options) -> tuple[list[Word], bool]:
    """`run-all apply`, `run --all -- apply`, `apply-all` -> ([apply], every module)."""
    first = words[0].value if words else ""
    if first in TERRAGRUNT_ALL:
        return [Word(TERRAGRUNT_ALL[first], text=words[0].text), *words[1:]], True
    if first == "run-all":
        return words[1:], True
    if first == "run":
        return words[1:], opts.has("-all", "-a")
    if first == "stack" and len(words) > 1 and words[1].value == "run":
        return words[2:], True
    return words, opts.has("-all")


@dataclass
class TerraformCall(Call):
    """One terraform call and where it acts: its directory, workspace and environment."""

    every_module: bool = False
    directory: str | None = field(init=False, default=None)
    workspace: str | None = field(init=False, default=None)
    _placement: Placement | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        chdir = self.opts.value("-chdir", "-terragrunt-working-dir", "-working-dir")
        self.directory = self.inv.ctx.resolve(chdir) if chdir else self.inv.ctx.cwd
        self.workspace = self.find_workspace()

    # --- where ----------------------------------------------------------------------------------------
    @property
    def local_files(self) -> bool:
        """Whether files named by the command are on this machine (not under ssh or in a pod)."""
        return self.inv.ctx.remote is None

    def find_workspace(self) -> str | None:
        """TF_WORKSPACE overrides the selected workspace (terraform refuses to select another while it is
        set); then a selection made earlier on this line in this directory, then the one on disk."""
        from changegate.understand.plans import read_workspace_file

        ctx = self.inv.ctx
        workspace = ctx.getenv("TF_WORKSPACE")
        if workspace:
            return workspace
        switched = ctx.switched.get(SWITCHED_WORKSPACE)
        if switched is not None and ctx.switched.get(SWITCHED_DIRECTORY) == (self.directory or ""):
            return switched
        if not self.local_files:
            return None
        data_dir = ctx.getenv("TF_DATA_DIR")
        return read_workspace_file(self.directory, ctx.consulted,
                                   data_dir=self.resolve_here(data_dir) if data_dir else None)

    def signals(self) -> list[Placement]:
        env = self.inv.ctx.environments
        out: list[Placement] = []
        if self.workspace:
            placed = env.workspace(self.workspace)
            if placed.environment != UNKNOWN or "by the policy" in placed.why:
                out.append(placed)
        for assignment in self.opts.values("-var"):
            name, _, value = assignment.partition("=")
            if name.strip() in ENVIRONMENT_VARIABLE_NAMES:
                found = named(env, "names", value.strip().strip("\"'"), f"-var {name.strip()} =")
                if found:
                    out.append(found)
        for name in ENVIRONMENT_VARIABLE_NAMES:  # TF_VAR_env=prod is `-var env=prod` from the environment
            found = named(env, "names", self.inv.ctx.getenv(f"TF_VAR_{name}"), f"TF_VAR_{name}")
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
        # every profile variable set is a signal, the way a plan's provider blocks are: its name and account
        for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            found = profile_placement(self.inv.ctx, self.inv.ctx.getenv(variable), variable)
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

    def resolve_here(self, raw: str) -> str | None:
        if UNKNOWN_PART in raw:
            return None
        if posixpath.isabs(raw) or raw.startswith("~"):
            return self.inv.ctx.resolve(raw)
        return posixpath.normpath(posixpath.join(self.directory, raw)) if self.directory else None

    # --- effects --------------------------------------------------------------------------------------
    def read(self, summary: str) -> Effect:
        return self.inv.effect("read", self.uri, self.placement, reversible="yes", summary=summary)

    def state_effect(self, operation: Operation, summary: str, *, tags: tuple[str, ...] = (),
                     data_loss: bool = False, whole: bool = False, reversible: str = "unknown",
                     resource: str | None = None, suggestions: tuple[str, ...] = (), scope: Scope = "one") -> Effect:
        return self.inv.effect(operation, resource or f"{self.uri}/state", self.placement, kind="terraform-state",
                               reversible=reversible, tags=tags, data_loss=data_loss, whole_environment=whole,
                               summary=summary, suggestions=suggestions, scope=scope)

    def base_tags(self) -> tuple[str, ...]:
        tags = []
        if self.opts.has("-auto-approve"):
            tags.append("auto-approve")
        if self.every_module:
            tags.append("every-module")
        return tuple(tags)

    def address_effect(self, operation: Operation, address: str, summary: str, **extra: Any) -> Effect:
        resource_type = address_type(address)
        data = terraform_holds_data(resource_type)
        if not resource_type and address.startswith("module."):
            # a module address names every resource the module holds
            extra.setdefault("scope", "all")
            resource_type = "module"
            summary += " (every resource in that module)"
        return self.inv.effect(
            operation, f"{self.uri}/{show(address)}", self.placement, kind=resource_type or "resource",
            reversible="no" if operation in ("delete", "replace") else "unknown",
            data_loss=data and operation in ("delete", "replace"),
            whole_environment=terraform_whole_environment(resource_type) and operation in ("delete", "replace"),
            tags=self.base_tags() + tuple(extra.pop("tags", ())),
            summary=summary + (" (it holds data)" if data and operation in ("delete", "replace") else ""),
            suggestions=(PLAN_HOWTO,), **extra)


class Terraform(Cli):
    NAMES = ("terraform", "tofu", "terragrunt")
    FAMILY = "terraform"
    VALUE_OPTIONS = TF_VALUES
    LONG_SINGLE_DASH = True
    # names ending in * are prefixes: TF_CLI_ARGS_plan, TF_VAR_env, …
    ENV_VARIABLES = ("TF_WORKSPACE", "TF_CLI_ARGS", "TF_CLI_ARGS_*", "TF_DATA_DIR", "TF_VAR_*",
                     "TF_CLI_CONFIG_FILE", "TF_INPUT", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "TERRAGRUNT_WORKING_DIR",
                     "TG_WORKING_DIR", "TERRAGRUNT_CONFIG", "TERRAGRUNT_IAM_ROLE", "TG_IAM_ASSUME_ROLE")

    def analyze(self, inv: Invocation) -> list[Effect]:
        given = normalise(inv.words)
        opts = self.walk(given)
        words, every_module = self.command(inv, opts)
        if not words:
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "prints its help"), reversible="yes",
                               summary=f"{inv.name} (help)")]
        inserted = cli_args(inv, words[0].value)
        if inserted:
            # terraform reads TF_CLI_ARGS as if typed right after the verb
            at = next((i + 1 for i, w in enumerate(given) if w is words[0]), len(given))
            opts = self.walk([*given[:at], *normalise(inserted), *given[at:]])
            words, every_module = self.command(inv, opts)
        call = TerraformCall(inv, opts, words[0].value, [w.value for w in words[1:]], words[1:],
                             every_module=every_module)
        if call.verb not in TF_LOCAL:
            run_credential_process(inv, None)  # the AWS provider runs it, as the CLI does
        return self.dispatch(call)

    @staticmethod
    def command(inv: Invocation, opts: Options) -> tuple[list[Word], bool]:
        """The verb and its operands; terragrunt's `run-all VERB` and the like act in every module."""
        words = list(opts.positional_words)
        if inv.name == "terragrunt":
            return terragrunt_command(words, opts)
        return words, False

    def unknown_verb(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        return [call.inv.effect("unknown", call.uri, call.placement, reversible="unknown",
                                summary=f"runs {call.name} {call.verb}, which changegate does not know")]

    # --- reads and local work -------------------------------------------------------------------------
    def reads(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        return [call.read(f"{call.name} {call.verb} (reads)")]

    def plan(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        return [call.read(f"{call.name} plan (reads; writes only its plan file)")]

    def local(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        inv, verb = call.inv, call.verb
        if verb == "init" and call.opts.has("-migrate-state", "-force-copy"):
            return [inv.effect("modify", f"{call.uri}/state", call.placement, reversible="unknown",
                               kind="terraform-state", tags=("state-migration",),
                               summary=f"{inv.name} init -migrate-state copies the state to another backend")]
        if verb == "fmt" and call.opts.has("-check"):
            return [call.read(f"{inv.name} fmt -check (reads)")]
        return [inv.effect("modify", f"fs:{call.directory or '?'}", inv.ctx.place_path(call.directory),
                           reversible="yes", kind="directory", summary=f"{inv.name} {verb} (local files)")]

    # --- apply and destroy ----------------------------------------------------------------------------
    def apply(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        if call.opts.has("-destroy"):
            return self.destroy(call)
        if call.opts.has("-refresh-only"):
            return [call.state_effect("modify", f"{call.name} apply -refresh-only records what exists in the "
                                                "state; it changes no infrastructure", reversible="yes")]
        plan_file = call.args[0] if call.args else None
        why = ""
        if plan_file:
            planned = self.saved_plan(call, plan_file) if call.local_files else "it is on another machine"
            if not isinstance(planned, str):
                return planned
            why = planned
        effects = [call.address_effect("replace", address, f"{call.name} -replace destroys {show(address)} and "
                                                           "creates it again")
                   for address in call.opts.values("-replace")]
        changed = self.changed_configuration(call) if not plan_file else None
        effects.append(changed or self.unseen_changes(call, plan_file, why))
        return effects

    @staticmethod
    def changed_configuration(call: TerraformCall) -> Effect | None:
        """An apply after an earlier step of the line deleted, emptied or swapped its configuration files:
        what they declared is destroyed (or, for content changegate cannot see, may be)."""
        if call.opts.values("-target") or not call.directory or not call.local_files:
            return None
        change = tfconfig.earlier_changes(call.inv, call.directory)
        if not change:
            return None
        tags = ("config-changed", *call.base_tags())
        steps = "; ".join(dict.fromkeys(change.steps))
        if change.unseen:
            return call.inv.effect(
                "replace", f"{call.uri}/*", call.placement, scope="all", reversible="no", kind="terraform-state",
                whole_environment=True, tags=("unseen-changes", *tags),
                summary=f"{call.name} apply runs a configuration an earlier step replaced ({steps}) with content "
                        f"changegate cannot see: it may destroy or replace everything the state of {call.label} holds",
                suggestions=(PLAN_HOWTO,))
        lost = change.lost
        shown = ", ".join(lost[:5]) + (", …" if len(lost) > 5 else "")
        data = any(terraform_holds_data(address_type(a)) for a in lost)
        what = (f"every resource the configuration managed ({shown})" if change.everything and lost else
                "every resource the configuration managed" if change.everything else f"{shown}")
        return call.inv.effect(
            "delete", f"{call.uri}/*" if change.everything else f"{call.uri}/{lost[0] if len(lost) == 1 else '*'}",
            call.placement, scope="all" if change.everything else "many" if len(lost) > 1 else "one",
            count=len(lost) if len(lost) > 1 else None, reversible="no", kind="terraform-state",
            whole_environment=change.everything, data_loss=data, tags=("destroy", *tags),
            summary=f"{call.name} apply destroys {what}: an earlier step removed their configuration ({steps})",
            suggestions=("restore the configuration, or destroy on purpose with a reviewed plan: "
                         "terraform plan -destroy -out d.plan",))

    @staticmethod
    def saved_plan(call: TerraformCall, raw: str) -> list[Effect] | str:
        """The effects of a saved plan, read from the plan itself (`terraform show -json PLAN`, run by the
        gate where the agent's files are, or sent by its client); else why it cannot be read. Never a JSON
        file beside the plan: the agent can write one that says anything."""
        from changegate.understand import plans

        path = call.resolve_here(raw)
        if path is None:
            return "its path is only known when the command runs"
        if path in call.inv.ctx.files or written_earlier(call.inv.walker.effects, path):
            return "an earlier step of the command writes it, so it cannot be read beforehand"
        program = "tofu" if call.name == "tofu" else "terraform"
        try:
            data = facts.plan_document(program, path, call.directory)
        except facts.Unreadable as exc:
            return str(exc)
        if len(data) > plans.MAX_PLAN_BYTES:
            return f"its JSON is larger than {plans.MAX_PLAN_BYTES // (1024 * 1024)} MiB"
        try:
            doc = plans.decode_plan_bytes(data, path)
        except NotUnderstood as exc:
            return exc.reason
        call.inv.ctx.consulted[f"plan:{path}"] = "sha256:" + hashlib.sha256(data).hexdigest()
        context = plans.PlanContext(call.inv.ctx.environments, call.directory, call.inv.ctx.env,
                                    call.inv.ctx.consulted, workspace=call.workspace,
                                    extra_signals=call.signals(), label=call.label)
        source = plans.Source(posixpath.basename(path), path)
        effects = plans.analyze_plan_document(doc, source, context)
        return [with_tags(e, call.base_tags()) for e in effects]

    @staticmethod
    def unseen_changes(call: TerraformCall, plan_file: str | None, why: str = "") -> Effect:
        name = call.name
        where = "in every module below " + (call.directory or "here") if call.every_module else ""
        targets = [show(t) for t in call.opts.values("-target")]
        if plan_file:
            what = (f"{name} apply {show(plan_file)} applies a saved plan that changegate cannot read "
                    f"({why or 'it is not on this machine'})")
        elif targets:
            what = f"{name} apply changes {', '.join(targets)} (and what they depend on) in ways only known once " \
                   "it plans"
        else:
            what = f"{name} apply makes changes that are only known once it plans them {where}".rstrip()
        # an apply may destroy as well as change: a replace, whose extent only the plan shows
        return call.inv.effect(
            "replace", call.uri + ("/" + targets[0] if len(targets) == 1 else ""), call.placement,
            scope="many" if call.every_module or not targets else "one", reversible="unknown",
            kind="terraform-apply", tags=("unseen-changes", *(("plan-unreadable",) if plan_file else ()),
                                          *call.base_tags()), summary=what,
            suggestions=(PLAN_HOWTO,))

    def destroy(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        targets = call.opts.values("-target")
        if targets:
            return [call.address_effect("delete", t, f"{call.name} destroy deletes {show(t)} and what depends on it")
                    for t in targets]
        counted = self.counted_state(call) if call.local_files else None
        if counted:
            return counted
        where = f"every module below {call.directory}" if call.every_module else f"workspace {call.label}"
        return [call.inv.effect(
            "delete", f"{call.uri}/*", call.placement, scope="all", reversible="no", kind="terraform-state",
            whole_environment=True, tags=("destroy", *call.base_tags()),
            summary=f"{call.name} destroy deletes every resource in the state of {where}",
            suggestions=("destroy only what you mean with -target=ADDRESS",
                         "show the destroy plan first: terraform plan -destroy -out d.plan && "
                         "terraform show -json d.plan > d.plan.json, then changegate check --plan d.plan.json"))]

    @staticmethod
    def counted_state(call: TerraformCall) -> list[Effect] | None:
        """A destroy counted from a local state file, when there is one."""
        from changegate.understand import plans

        path = state_path(call)
        if path is None or not facts.is_file(path):
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
            return [call.read(f"{call.name} destroy: the state at {path} holds no resources")]
        call.inv.ctx.consulted[f"state:{path}"] = "sha256:" + hashlib.sha256(data).hexdigest()
        total = tally.destroyed
        summary = plans.summary_line(tally, total, call.placement)
        return [with_tags(e, ("destroy", *call.base_tags())) for e in plans.group_effects(
            tally, family="terraform", label=call.label, placement=call.placement, total=total, whole=True,
            summary=f"{call.name} destroy {summary}",
            suggestions=("destroy only what you mean with -target=ADDRESS",),
            evidence_prefix=f"{path}: ")]

    # --- reading outputs and state --------------------------------------------------------------------
    def output(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        if call.opts.has("-json", "-raw"):
            return [call.inv.effect("secret_read", f"{call.uri}/outputs", call.placement, reversible="yes",
                                    kind="secret", summary=f"{call.name} output -json/-raw prints sensitive "
                                                           "outputs in clear text",
                                    suggestions=(f"{call.name} output (without -json/-raw) hides sensitive "
                                                 "values",))]
        return [call.read(f"{call.name} output (reads; sensitive values hidden)")]

    def state(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        name = call.name
        sub = call.args[0] if call.args else "list"
        addresses = [show(a) for a in call.args[1:]]
        force = ("force",) if call.opts.has("-force") else ()
        if sub in ("list", "show", "identities"):
            if sub == "list" and not call.args[1:] and not call.opts.has("-id"):
                call.inv.stdout = listing(STATE_LISTING)
            return [call.read(f"{name} state {sub} (reads)")]
        if sub == "pull":
            return [call.inv.effect("secret_read", f"{call.uri}/state", call.placement, reversible="yes",
                                    kind="terraform-state", summary=f"{name} state pull prints the whole state, "
                                                                    "secrets in it included")]
        if sub == "rm":
            return [self.state_rm(call, addresses)]
        if sub == "push":
            return [call.state_effect("replace", f"{name} state push overwrites the recorded state of {call.label}: "
                                                 "the next apply acts on what it says",
                                      tags=("state-surgery", *force), data_loss=True, reversible="no",
                                      suggestions=("pull and compare first: terraform state pull > current.tfstate",))]
        return [call.state_effect("modify", f"{name} state {sub} {' '.join(addresses)}".strip(),
                                  tags=("state-surgery",), reversible="yes")]

    @staticmethod
    def state_rm(call: TerraformCall, addresses: list[str]) -> Effect:
        """`state rm ADDR…` forgets those resources; fed from an unfiltered `state list`, every one of them."""
        words = call.arg_words[1:]
        dynamic = any(not w.known for w in words) or (not words and call.inv.args_unknown)
        everything = any(lists_whole_state(w.text) for w in words if not w.known) or (
            dynamic and listed_by(call.inv, "terraform") == STATE_LISTING)
        forgotten = "every resource in the state" if everything else ", ".join(addresses) or "what it is given"
        return call.state_effect(
            "delete", f"{call.name} state rm forgets {forgotten}: terraform stops managing "
                      f"{'them' if everything or len(addresses) > 1 or dynamic else 'it'} (the resources keep "
                      "running, untracked)",
            reversible="yes", tags=("state-surgery", *(("dynamic",) if dynamic else ())), whole=everything,
            scope="all" if everything else "many" if dynamic or len(addresses) > 1 else "one",
            resource=f"{call.uri}/state/{addresses[0] if len(addresses) == 1 and not dynamic else '*'}",
            suggestions=("use a `removed` block in the configuration, which a plan shows",))

    def workspace(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        inv = call.inv
        sub = call.args[0] if call.args else "show"
        name = show(call.args[1]) if len(call.args) > 1 else "?"
        if sub in ("list", "show"):
            if sub == "list":
                inv.stdout = listing(WORKSPACE_LISTING)
            return [call.read(f"{inv.name} workspace {sub} (reads)")]
        env = inv.ctx.environments
        named_placement = strongest([p for p in [env.workspace(name)] if p.environment != UNKNOWN]
                                    + call.signals(), f"workspace {name!r} names no environment")
        if sub == "delete":
            forced = call.opts.has("-force")
            named_word = call.arg_words[1] if len(call.arg_words) > 1 else None
            dynamic = inv.args_unknown if named_word is None else not named_word.known
            # every workspace a `workspace list` prints: every environment this configuration has
            every = dynamic and listed_by(inv, "terraform") == WORKSPACE_LISTING
            return [inv.effect(
                "delete", f"tf:{name}/state", named_placement, scope="all" if forced or every else "one",
                reversible="no", kind="terraform-workspace", whole_environment=forced or every, data_loss=forced,
                tags=("force",) if forced else (),
                summary=f"{inv.name} workspace delete {name}" + (
                    " -force: its state is deleted and every resource in it is left running, unmanaged"
                    if forced else " (terraform refuses while the workspace still tracks resources)"),
                suggestions=("destroy the workspace's resources with a reviewed plan first",))]
        if sub in ("new", "select") and len(call.arg_words) > 1 and call.arg_words[1].known:
            # later terraform commands on this line, in this directory, act on the workspace it selects
            inv.ctx.switched[SWITCHED_WORKSPACE] = call.arg_words[1].value
            inv.ctx.switched[SWITCHED_DIRECTORY] = call.directory or ""
        if sub == "new":
            return [inv.effect("create", f"tf:{name}/state", named_placement, reversible="yes",
                               kind="terraform-workspace", summary=f"{inv.name} workspace new {name}")]
        return [inv.effect("modify", f"fs:{call.directory or '?'}/.terraform/environment",
                           Placement(LOCAL, "the selected workspace is recorded in the local .terraform"),
                           reversible="yes", kind="terraform-workspace",
                           summary=f"{inv.name} workspace {sub} {name}: later commands act on {name}")]

    def force_unlock(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        return [call.state_effect("modify", f"{call.name} force-unlock removes the state lock: if another run "
                                            "still holds it, both write the state and it can be corrupted",
                                  tags=("force",), reversible="no",
                                  suggestions=("make sure no other run is going first (CI, a colleague)",))]

    def import_(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        address = show(call.args[0]) if call.args else "?"
        return [call.state_effect("modify", f"{call.name} import adopts an existing resource as {address}: later "
                                            "applies manage (and may change or destroy) it",
                                  reversible="yes", tags=("state-surgery",))]

    def taint(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        address = call.args[0] if call.args else "?"
        return [call.address_effect("replace", address, f"{call.name} taint marks {show(address)} to be destroyed "
                                                        "and created again by the next apply",
                                    tags=("replace-scheduled",))]

    def untaint(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        return [call.state_effect("modify", f"{call.name} untaint {' '.join(map(show, call.args))}",
                                  reversible="yes")]

    def refresh(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        return [call.state_effect("modify", f"{call.name} refresh records what exists in the state",
                                  reversible="yes")]

    def test(self, call: Call) -> list[Effect]:
        assert isinstance(call, TerraformCall)
        return [call.inv.effect("modify", call.uri, call.placement, reversible="unknown", kind="terraform-test",
                                tags=("unseen-changes",),
                                summary=f"{call.name} test creates and destroys real resources with the "
                                        "configured providers")]

    VERBS = {
        **dict.fromkeys(TF_READS, reads),
        **dict.fromkeys(TF_LOCAL, local),
        "plan": plan, "apply": apply, "destroy": destroy, "output": output, "state": state, "workspace": workspace,
        "force-unlock": force_unlock, "import": import_, "taint": taint, "untaint": untaint, "refresh": refresh,
        "test": test,
    }


def cli_args(inv: Invocation, verb: str) -> list[Word]:
    """The options TF_CLI_ARGS and TF_CLI_ARGS_<verb> add to the command line."""
    words: list[Word] = []
    for variable in ("TF_CLI_ARGS", f"TF_CLI_ARGS_{verb}"):
        value = inv.ctx.getenv(variable)
        if not value:
            continue
        if UNKNOWN_PART in value:
            raise NotUnderstood(f"{variable} is only known when the command runs, and it adds options to "
                                f"{inv.name} {verb}")
        try:
            words.extend(Word(part, text=part) for part in shlex.split(value))
        except ValueError as exc:
            raise NotUnderstood(f"{variable} cannot be split into options ({exc})") from exc
    return words


def lists_whole_state(text: str) -> bool:
    """`$(terraform state list)`: every address in the state (an address or -id filter narrows it)."""
    tokens = substituted_command(text)
    if not tokens or posixpath.basename(tokens[0]) not in Terraform.NAMES:
        return False
    rest = [t for t in tokens[1:] if not t.startswith("-chdir")]
    return rest[:2] == ["state", "list"] and not any(not t.startswith("-") or t.startswith("-id") for t in rest[2:])


def state_path(call: TerraformCall) -> str | None:
    explicit = call.opts.value("-state")
    if explicit:
        return call.resolve_here(explicit)
    if not call.directory:
        return None
    if call.workspace and call.workspace != "default":
        return posixpath.join(call.directory, "terraform.tfstate.d", call.workspace, "terraform.tfstate")
    return posixpath.join(call.directory, "terraform.tfstate")
