"""bq: BigQuery's command line, `bq [--flags] COMMAND [ARGS]`; `bq query` is decided by the SQL analyzer,
statement by statement (from its arguments, or stdin: `bq query < q.sql`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli, Options
from changegate.understand.commands.cloud import gcp
from changegate.understand.commands.cloud.base import not_understood
from changegate.understand.sql import sql_effects

READS = frozenset({"ls", "show", "head", "version", "help", "wait", "info", "get-iam-policy", "extract"})
CHANGES: dict[str, Operation] = {"mk": "create", "cp": "create", "load": "modify", "insert": "modify",
                                 "update": "modify", "cancel": "modify", "undelete": "modify", "truncate": "delete"}


@dataclass
class BqCall(Call):
    """A bq command and the table or dataset it names (`project:dataset.table`)."""

    where: gcp.Where = field(default_factory=lambda: gcp.Where(Placement(UNKNOWN, ""), "?"))
    target: str = "?"
    resource: str = ""


class Bq(Cli):
    NAMES = ("bq",)
    FAMILY = "bq"
    VALUE_OPTIONS = frozenset({
        "--project_id", "--dataset_id", "--location", "--format", "--max_rows", "-n", "--parameter",
        "--destination_table", "--schema", "--source_format", "--time_partitioning_field", "--expiration",
        "--default_table_expiration", "--description", "--label", "--job_id", "--api", "--session_id",
        "--connection_property", "--clustering_fields", "--field_delimiter", "--skip_leading_rows",
        "--max_bad_records", "--encoding", "--quote", "--destination_format", "--compression", "--start_row",
        "--selected_fields", "--apilog", "--bigqueryrc", "--transfer_config", "--display_name", "--target_dataset",
        "--data_source", "--params", "--service_account_name", "--member", "--role", "--reservation_id",
    })
    DRY_RUN_FLAGS = frozenset({"--dry_run", "--dryrun"})
    ENV_VARIABLES = (*gcp.ENV_VARIABLES, "BIGQUERYRC")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if not opts.positionals:
            return [inv.effect("read", "gcp:bq", Placement("local", "bq help"), reversible="yes", summary="bq help")]
        sub, args = opts.positionals[0], opts.positionals[1:]
        target = args[0] if args else opts.value("--destination_table") or "?"
        project = opts.value("--project_id") or (target.split(":", 1)[0] if ":" in target else None)
        where = gcp.place(inv.ctx, project_flag=project, configuration_flag=None,
                          names=[target.replace(":", ".")] if target != "?" else [])
        call = BqCall(inv, opts, sub, args, opts.positional_words[1:], where=where, target=target,
                      resource=f"gcp:{where.project}/bigquery/{target.split(':', 1)[-1]}")
        if opts.has(*self.DRY_RUN_FLAGS):
            return self.reads(call)
        return self.dispatch(call)

    def reads(self, call: Call) -> list[Effect]:
        assert isinstance(call, BqCall)
        return [call.inv.effect("read", call.resource, call.where.placement, reversible="yes",
                                summary=f"bq {call.verb} (read)")]

    def rm(self, call: Call) -> list[Effect]:
        assert isinstance(call, BqCall)
        opts: Options = call.opts
        recursive = opts.has("-r", "--recursive")
        # `-r` removes a dataset with its tables; a name without a table part is a dataset
        dataset = opts.has("-d", "--dataset") or (recursive and "." not in call.target.split(":", 1)[-1])
        kind = "dataset" if dataset else "table"
        return [call.inv.effect(
            "delete", call.resource, call.where.placement, scope="all" if dataset and recursive else "one",
            reversible="no", kind=kind, data_loss=True, whole_environment=dataset,
            tags=("no-prompt",) if opts.has("-f", "--force") else (),
            summary=f"bq rm deletes {kind} {call.target}" + (" and every table in it" if recursive else ""),
            suggestions=(f"look at it first: bq show {call.target}", "copy it first: bq cp SOURCE BACKUP_TABLE"))]

    def query(self, call: Call) -> list[Effect]:
        """Every statement of the query, as the SQL analyzer reads it (from the arguments, else stdin);
        `--replace` replaces the destination table with the result."""
        assert isinstance(call, BqCall)
        inv, placement = call.inv, call.where.placement
        stdin = inv.stdin
        sql = " ".join(call.args) or (stdin.text or "" if stdin is not None and not stdin.opaque else "")
        prefix = f"gcp:{call.where.project}/bigquery"
        if not sql.strip():
            return [not_understood(inv, call.resource, placement, "bq query with its SQL in stdin or a file")]
        effects = [msgspec.structs.replace(e, evidence=inv.text[:200])
                   for e in sql_effects(sql, "bigquery", placement, prefix, family="bq",
                                        environments=inv.ctx.environments)]
        destination = call.opts.value("--destination_table")
        if call.opts.has("--replace"):
            effects.append(inv.effect("replace", f"{prefix}/table/{destination or '?'}", placement, kind="table",
                                      reversible="no", data_loss=True,
                                      summary=f"bq query --replace overwrites {destination or 'its destination'} "
                                              "with the result",
                                      suggestions=("run it with --dry_run first to see what it touches",)))
        return effects

    def iam(self, call: Call) -> list[Effect]:
        assert isinstance(call, BqCall)
        return [call.inv.effect("permission", call.resource, call.where.placement,
                                summary=f"bq {call.verb} {call.target}")]

    def change(self, call: Call) -> list[Effect]:
        """mk, cp, load, …: `load --replace` and `cp -f` replace what the table held."""
        assert isinstance(call, BqCall)
        sub, opts = call.verb, call.opts
        replaces = (sub == "load" and opts.has("--replace")) or (sub == "cp" and opts.has("-f", "--force"))
        return [call.inv.effect("replace" if replaces else CHANGES[sub], call.resource, call.where.placement,
                                kind="table", data_loss=replaces or sub == "truncate",
                                reversible="no" if replaces else "unknown", summary=f"bq {sub} {call.target}")]

    def unknown_verb(self, call: Call) -> list[Effect]:
        assert isinstance(call, BqCall)
        return [not_understood(call.inv, call.resource, call.where.placement,
                               f"bq {call.verb} is not a known bq command")]

    VERBS = {
        **dict.fromkeys(READS, reads),
        **dict.fromkeys(CHANGES, change),
        "rm": rm, "query": query,
        "add-iam-policy-binding": iam, "remove-iam-policy-binding": iam, "set-iam-policy": iam,
    }
