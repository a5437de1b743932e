"""s5cmd: `s5cmd [GLOBAL] COMMAND [OPTIONS] ARGS` — S3 like `aws s3`, with wildcards in URLs and a batch mode.

It works through the AWS credentials, so it is placed like `aws` (`aws_account.place`: the endpoint, the
profile and its account, the buckets' names). `rm s3://b/*` deletes every object of the bucket; `run FILE`
(or `run` reading stdin) runs one s5cmd command a line, each understood on its own.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Scope
from changegate.understand.base import Invocation, Word, lit
from changegate.understand.cli import Call, Cli
from changegate.understand.commands.cloud.aws_account import Where, place, run_credential_process
from changegate.understand.commands.cloud.base import not_understood, uploaded_secret
from changegate.understand.facts import read_config

READS = frozenset({"ls", "du", "cat", "select", "head", "version", "help", "h"})
MAX_RUN_LINES = 64
RUN_FILE_LIMIT = 256 * 1024


@dataclass
class S5cmdCall(Call):
    """An s5cmd command and where it lands."""

    where: Where = field(default_factory=lambda: Where(Placement(UNKNOWN, ""), "default"))

    @property
    def urls(self) -> list[Word]:
        return [w for w in self.arg_words if w.value.startswith("s3://")]

    def resource(self, url: str) -> str:
        return f"aws:{self.where.label}/s3/{url.removeprefix('s3://')}".rstrip("/")


class S5cmd(Cli):
    NAMES = ("s5cmd",)
    FAMILY = "s5cmd"
    GLOBAL_OPTIONS = frozenset({"--endpoint-url", "--profile", "--credentials-file", "--numworkers", "-numworkers",
                                "--retry-count", "-r", "--log", "--request-payer", "--stat"})
    VALUE_OPTIONS = GLOBAL_OPTIONS | frozenset({
        "--storage-class", "--concurrency", "-c", "--part-size", "-p", "--exclude", "--include", "--content-type",
        "--cache-control", "--expires", "--metadata", "--acl", "--sse", "--sse-kms-key-id", "--source-region",
        "--destination-region", "--metadata-directive", "--content-encoding", "--content-disposition",
        "--version-id", "--expire", "--format", "--compression", "--query", "--structure", "--output-format",
        "--set",
    })
    DRY_RUN_FLAGS = frozenset({"--dry-run", "-n"})
    ENV_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
                     "AWS_ENDPOINT_URL", "S3_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                     "AWS_SESSION_TOKEN")

    def analyze(self, inv: Invocation) -> list[Effect]:
        top, verb, rest = self.split_verb(inv.words)
        if verb is None:
            return [inv.effect("read", "cmd:s5cmd", Placement(LOCAL, "prints its help"), reversible="yes",
                               summary="s5cmd (help)")]
        opts = self.walk(rest)
        buckets = [w.value.removeprefix("s3://").split("/", 1)[0] for w in opts.positional_words
                   if w.value.startswith("s3://") and w.known]
        endpoint = top.value("--endpoint-url") or inv.ctx.getenv("S3_ENDPOINT_URL")
        where = place(inv.ctx, profile_flag=top.value("--profile"), endpoint_flag=endpoint,
                      names=[b for b in buckets if b])
        run_credential_process(inv, top.value("--profile"))
        call = S5cmdCall(inv, opts, verb.value, opts.positionals, opts.positional_words, where=where)
        if top.has(*self.DRY_RUN_FLAGS) or opts.has(*self.DRY_RUN_FLAGS):
            return self.reads(call)
        return self.dispatch(call)

    def reads(self, call: Call) -> list[Effect]:
        assert isinstance(call, S5cmdCall)
        target = call.urls[0].shown() if call.urls else "s3://"
        return [call.inv.effect("read", call.resource(target), call.where.placement, reversible="yes",
                                summary=f"s5cmd {call.verb} {target} (reads, or a dry run)")]

    def rm(self, call: Call) -> list[Effect]:
        """Every URL it names; a wildcard deletes every match, one over the whole bucket every object."""
        assert isinstance(call, S5cmdCall)
        urls = call.urls or ([Word("s3://\x00")] if call.inv.args_unknown else [])
        if not urls:
            return [not_understood(call.inv, call.resource("s3://"), call.where.placement, "s5cmd rm without a URL")]
        scopes = [url_scope(w) for w in urls]
        scope: Scope = "all" if "all" in scopes else "many" if "many" in scopes or len(urls) > 1 else "one"
        shown = " ".join(w.shown() for w in urls[:3])
        return [call.inv.effect(
            "delete", call.resource(urls[0].shown()), call.where.placement, scope=scope, reversible="no",
            kind="objects" if scope != "one" else "object", data_loss=scope != "one",
            tags=("dynamic",) if any(not w.known for w in urls) else (),
            summary=f"s5cmd rm deletes {'every object matching ' if scope != 'one' else ''}{shown}",
            suggestions=(f"see what it matches first: s5cmd ls {urls[0].shown()}",))]

    def rb(self, call: Call) -> list[Effect]:
        assert isinstance(call, S5cmdCall)
        target = call.urls[0].shown() if call.urls else "s3://?"
        return [call.inv.effect("delete", call.resource(target), call.where.placement, reversible="no", kind="bucket",
                                scope="many" if any(not w.known for w in call.urls) else "one",
                                summary=f"s5cmd rb deletes bucket {target} (s3 refuses while it holds objects)")]

    def mb(self, call: Call) -> list[Effect]:
        assert isinstance(call, S5cmdCall)
        target = call.urls[0].shown() if call.urls else "s3://?"
        return [call.inv.effect("create", call.resource(target), call.where.placement, reversible="yes",
                                kind="bucket", summary=f"s5cmd mb creates bucket {target}")]

    def presign(self, call: Call) -> list[Effect]:
        assert isinstance(call, S5cmdCall)
        target = call.urls[0].shown() if call.urls else "s3://?"
        return [call.inv.effect("permission", call.resource(target), call.where.placement, kind="object",
                                reversible="no", summary=f"makes a link that lets anyone holding it read {target}")]

    def copy(self, call: Call) -> list[Effect]:
        """cp / mv / sync SOURCE DEST: the destination gains objects (sync --delete also loses those not in
        the source); mv loses the source; an upload of a secret file sends it away."""
        assert isinstance(call, S5cmdCall)
        inv, where, words = call.inv, call.where, call.arg_words
        if len(words) < 2:
            return [not_understood(inv, call.resource("s3://"), where.placement,
                                   f"s5cmd {call.verb} without a source and a destination")]
        source, destination = words[0].shown(), words[-1].shown()
        effects: list[Effect] = []
        if not source.startswith("s3://"):
            uploaded = uploaded_secret(inv, source, destination, where.placement)
            if uploaded is not None:
                effects.append(uploaded)
        many = call.verb == "sync" or "*" in source
        if destination.startswith("s3://"):
            effects.append(inv.effect("create", call.resource(destination), where.placement, kind="objects",
                                      scope="many" if many else "one", reversible="unknown", tags=("may-overwrite",),
                                      summary=f"s5cmd {call.verb} writes {source} to {destination}"))
            if call.verb == "sync" and call.opts.has("--delete"):
                effects.append(inv.effect("delete", call.resource(destination), where.placement, scope="many",
                                          reversible="no", kind="objects", data_loss=True, tags=("sync-delete",),
                                          summary=f"deletes every object under {destination} that is not in "
                                                  f"{source}"))
        else:
            effects.append(inv.fs("modify", destination, recursive=many, tags=("overwrite",), reversible="unknown",
                                  summary=f"s5cmd {call.verb} writes {source} to {destination}"))
        if call.verb == "mv":
            effects.append(inv.effect("delete", call.resource(source), where.placement, reversible="yes",
                                      kind="objects" if many else "object", scope="many" if many else "one",
                                      summary=f"removes {source} after copying it to {destination}")
                           if source.startswith("s3://") else
                           inv.fs("delete", source, recursive=many, reversible="yes",
                                  summary=f"removes {source} after copying it to {destination}"))
        return effects

    def pipe(self, call: Call) -> list[Effect]:
        assert isinstance(call, S5cmdCall)
        target = call.urls[0].shown() if call.urls else "s3://?"
        return [call.inv.effect("create", call.resource(target), call.where.placement, kind="object",
                                reversible="unknown", tags=("may-overwrite",),
                                summary=f"s5cmd pipe writes its input to {target}")]

    def run(self, call: Call) -> list[Effect]:
        """`run FILE` (or stdin): one s5cmd command a line, each understood as if typed."""
        assert isinstance(call, S5cmdCall)
        inv = call.inv
        text: str | None
        if call.args:
            path = inv.ctx.resolve(call.args[0])
            written = inv.ctx.files.get(path) if path else None
            text = written if written is not None else (read_config(path, limit=RUN_FILE_LIMIT) if path else None)
        else:
            text = inv.stdin.text if inv.stdin is not None and not inv.stdin.opaque else None
        if text is None or "\x00" in text:
            return [not_understood(inv, call.resource("s3://"), call.where.placement,
                                   "s5cmd run with commands that cannot be read")]
        lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if len(lines) > MAX_RUN_LINES:
            return [not_understood(inv, call.resource("s3://"), call.where.placement,
                                   f"s5cmd run with more than {MAX_RUN_LINES} commands")]
        for line in lines:
            try:
                words = shlex.split(line)
            except ValueError:
                return [not_understood(inv, call.resource("s3://"), call.where.placement,
                                       f"s5cmd run: a line that does not split ({line[:60]})")]
            inv.run_argv([lit("s5cmd"), *self.globals_of(inv), *(lit(w) for w in words)])
        return []

    @staticmethod
    def globals_of(inv: Invocation) -> list[Word]:
        """The global options of `s5cmd … run`, which every command it runs inherits."""
        out: list[Word] = []
        for word in inv.words:
            if word.value == "run":
                break
            out.append(word)
        return out

    def bucket_version(self, call: Call) -> list[Effect]:
        assert isinstance(call, S5cmdCall)
        if not call.opts.has("--set"):
            return self.reads(call)
        target = call.urls[0].shown() if call.urls else "s3://?"
        return [call.inv.effect("modify", call.resource(target), call.where.placement, kind="bucket",
                                summary=f"s5cmd bucket-version sets versioning of {target} to "
                                        f"{call.opts.value('--set')}")]

    VERBS = {
        **dict.fromkeys(READS, reads),
        "rm": rm, "rb": rb, "mb": mb, "presign": presign, "cp": copy, "mv": copy, "sync": copy, "pipe": pipe,
        "run": run, "bucket-version": bucket_version,
    }


def url_scope(word: Word) -> Scope:
    """`s3://b/*` (or a URL known only at run time): every object; `s3://b/logs/*`: many; a key: one."""
    if not word.known:
        return "many"
    key = word.value.removeprefix("s3://").partition("/")[2]
    if "*" in key or "?" in key:
        return "all" if key.strip("/*") == "" else "many"
    return "one"
