"""gsutil: `gsutil [-m] [-o K=V] COMMAND [-flags] URL…` on Cloud Storage (and `gcloud storage rm|cp|…`,
which gcloud hands over here with gsutil's spelling of the flags)."""

from __future__ import annotations

from dataclasses import dataclass, field

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli
from changegate.understand.commands.cloud import gcp
from changegate.understand.commands.cloud.base import listed_by, listing, not_understood, uploaded_secret

READS = frozenset({"ls", "cat", "du", "stat", "hash", "version", "help", "ver", "test", "perfdiag",
                   "compose-check", "config", "update"})
# `gsutil GROUP ch|set|get …`: a setting of a bucket, and those that say who may do what
SETTING_GROUPS = frozenset({"acl", "iam", "defacl", "lifecycle", "versioning", "cors", "web", "logging", "label",
                            "retention", "kms", "notification", "requesterpays", "ubla", "pap", "rpo", "autoclass",
                            "defstorageclass", "bucketpolicyonly", "hmac"})
PERMISSION_GROUPS = frozenset({"acl", "iam", "defacl", "ubla", "pap", "bucketpolicyonly", "hmac"})
GLOB_CHARACTERS = frozenset("*?[")


@dataclass
class GsutilCall(Call):
    """A gsutil command and where it lands: the first `gs://` URL, in the project of its placement."""

    where: gcp.Where = field(default_factory=lambda: gcp.Where(Placement(UNKNOWN, ""), "?"))
    target: str = ""
    resource: str = ""


class Gsutil(Cli):
    NAMES = ("gsutil",)
    FAMILY = "gsutil"
    GLOBAL_OPTIONS = frozenset({"-o", "-h", "-u", "-i"})
    VALUE_OPTIONS = frozenset({"-p", "-c", "-l", "-s", "-x", "-j", "-z", "-a", "-e", "-K", "-k", "-b", "-t", "-u"})
    ENV_VARIABLES = (*gcp.ENV_VARIABLES, "BOTO_CONFIG", "BOTO_PATH")

    def analyze(self, inv: Invocation) -> list[Effect]:
        top, verb, rest = self.split_verb(inv.words)
        if verb is None:
            return [inv.effect("read", "gcp:gsutil", Placement("local", "gsutil help"), reversible="yes",
                               summary="gsutil help")]
        opts = self.walk(rest)
        urls = opts.positionals
        buckets = [u[5:].split("/", 1)[0] for u in urls if u.startswith("gs://")]
        where = gcp.place(inv.ctx, project_flag=opts.value("-p") or top.value("-u"), configuration_flag=None,
                          names=buckets)
        target = next((u for u in urls if u.startswith("gs://")), urls[0] if urls else "gs://")
        resource = f"gcp:{where.project}/storage/{target[5:] if target.startswith('gs://') else target}"
        call = GsutilCall(inv, opts, verb.value, urls, opts.positional_words, where=where, target=target,
                          resource=resource)
        return self.dispatch(call)

    def reads(self, call: Call) -> list[Effect]:
        assert isinstance(call, GsutilCall)
        if call.verb == "ls":
            listed = listing_kind(call.args)
            if listed:
                call.inv.stdout = listing(listed)
        return [call.inv.effect("read", call.resource, call.where.placement, reversible="yes",
                                summary=f"gsutil {call.verb} (read)")]

    def setting(self, call: Call) -> list[Effect]:
        """`gsutil iam ch …`, `gsutil versioning set on …`: get/list read; the rest change the bucket."""
        assert isinstance(call, GsutilCall)
        inv, where, sub = call.inv, call.where, call.verb
        action = call.args[0] if call.args else ""
        if action in ("get", "list", "ls"):
            return [inv.effect("read", call.resource, where.placement, reversible="yes",
                               summary=f"gsutil {sub} {action} (read)")]
        operation: Operation = "permission" if sub in PERMISSION_GROUPS else "modify"
        effects = [inv.effect(operation, call.resource, where.placement, kind="bucket",
                              summary=f"gsutil {sub} {action} changes {call.target}")]
        if sub == "hmac" and action == "create":
            effects.append(inv.effect("secret_read", call.resource, where.placement, kind="hmac-key",
                                      summary="gsutil hmac create prints a new HMAC secret"))
        return effects

    def signurl(self, call: Call) -> list[Effect]:
        assert isinstance(call, GsutilCall)
        return [call.inv.effect("permission", call.resource, call.where.placement, kind="object",
                                summary=f"makes a link that lets anyone holding it read {call.target}")]

    def rm(self, call: Call) -> list[Effect]:
        assert isinstance(call, GsutilCall)
        urls = call.args
        recursive = call.opts.has("-r", "-R")
        wildcard = any(u.rstrip("/").endswith("*") for u in urls)
        whole = any(u.startswith("gs://") and "/" not in u[5:].rstrip("/") for u in urls)
        dynamic = any(not w.known for w in call.arg_words) or (not urls and call.inv.args_unknown)
        everything = ((recursive or wildcard) and whole) or (dynamic and bool(listed_by(call.inv, "gcp")))
        scope: Scope = "all" if everything else "many" if recursive or wildcard or len(urls) > 1 or dynamic else "one"
        return [call.inv.effect("delete", call.resource, call.where.placement, scope=scope, reversible="no",
                                kind="objects", data_loss=scope != "one",
                                tags=(*(("recursive",) if recursive else ()), *(("dynamic",) if dynamic else ())),
                                summary=f"gsutil rm {' '.join(urls[:3])}",
                                suggestions=(f"list what it would delete first: gsutil ls -r {call.target}",))]

    def rb(self, call: Call) -> list[Effect]:
        assert isinstance(call, GsutilCall)
        dynamic = any(not w.known for w in call.arg_words) or (not call.args and call.inv.args_unknown)
        listed = listed_by(call.inv, "gcp") if dynamic else ""
        return [call.inv.effect("delete", call.resource, call.where.placement, reversible="no", kind="bucket",
                                scope="all" if listed else "many" if dynamic or len(call.args) > 1 else "one",
                                whole_environment=listed == "gcp storage bucket",
                                tags=("dynamic",) if dynamic else (), summary=f"deletes bucket {call.target}")]

    def mb(self, call: Call) -> list[Effect]:
        assert isinstance(call, GsutilCall)
        return [call.inv.effect("create", call.resource, call.where.placement, kind="bucket", reversible="yes",
                                summary=f"creates bucket {call.target}")]

    def rewrite(self, call: Call) -> list[Effect]:
        assert isinstance(call, GsutilCall)
        return [call.inv.effect("modify", call.resource, call.where.placement, kind="object",
                                summary=f"gsutil {call.verb} {call.target}")]

    def copy(self, call: Call) -> list[Effect]:
        """cp / mv / rsync: the destination gains (with rsync -d, loses) objects; mv loses its sources."""
        assert isinstance(call, GsutilCall)
        inv, where, sub, urls = call.inv, call.where, call.verb, call.args
        delete_extra, recursive = call.opts.has("-d"), call.opts.has("-r", "-R")
        if len(urls) < 2:
            return [not_understood(inv, f"gcp:{where.project}/storage", where.placement,
                                   f"gsutil {sub} without a source and a destination")]
        *sources, destination = urls
        effects: list[Effect] = []
        for source in sources:
            if not source.startswith("gs://"):
                uploaded = uploaded_secret(inv, source, destination, where.placement)
                if uploaded is not None:
                    effects.append(uploaded)
        if destination.startswith("gs://"):
            resource = f"gcp:{where.project}/storage/{destination[5:]}"
            effects.append(inv.effect("create", resource, where.placement, kind="objects",
                                      scope="many" if recursive or sub == "rsync" else "one", tags=("may-overwrite",),
                                      summary=f"gsutil {sub} writes to {destination}"))
            if delete_extra:
                effects.append(inv.effect("delete", resource, where.placement, scope="many", reversible="no",
                                          kind="objects", data_loss=True, tags=("sync-delete",),
                                          summary=f"deletes every object under {destination} that is not in the "
                                                  "source",
                                          suggestions=(f"preview it first: gsutil rsync -n {' '.join(urls)}",)))
        else:
            effects.append(inv.fs("delete" if delete_extra else "modify", destination, recursive=recursive,
                                  tags=("overwrite",), summary=f"gsutil {sub} writes to {destination}"))
        if sub == "mv":
            for source in sources:
                if source.startswith("gs://"):
                    effects.append(inv.effect("delete", f"gcp:{where.project}/storage/{source[5:]}", where.placement,
                                              reversible="yes", kind="objects",
                                              summary=f"removes {source} after copying it"))
                else:
                    effects.append(inv.fs("delete", source, recursive=recursive, reversible="yes",
                                          summary=f"removes {source} after copying it"))
        return effects

    def unknown_verb(self, call: Call) -> list[Effect]:
        assert isinstance(call, GsutilCall)
        return [not_understood(call.inv, call.resource, call.where.placement,
                               f"gsutil {call.verb} is not a known gsutil command")]

    VERBS = {
        **dict.fromkeys(READS, reads),
        **dict.fromkeys(SETTING_GROUPS, setting),
        "signurl": signurl, "rm": rm, "rb": rb, "mb": mb, "cp": copy, "mv": copy, "rsync": copy,
        "setmeta": rewrite, "compose": rewrite, "rewrite": rewrite,
    }


def listing_kind(urls: list[str]) -> str:
    """`gsutil ls` lists every bucket; `gsutil ls gs://b` (or `gs://b/dir/`) every object there; a pattern or
    a partial name only those it matches."""
    if not urls or urls == ["gs://"]:
        return "gcp storage bucket"
    url = urls[0]
    if len(urls) == 1 and url.startswith("gs://") and not GLOB_CHARACTERS & set(url) and (
            "/" not in url[5:].rstrip("/") or url.endswith("/")):
        return "gcp storage object"
    return ""
