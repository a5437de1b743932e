"""Objects the libraries of every language make for talking to services — cloud SDK clients, database
connections, Redis, MongoDB, Elasticsearch and Kubernetes clients, Cloud Storage — and what their methods do.

Each language's analyzer turns its constructors into one of these objects (`boto3.Session(...).client('s3')`,
`new S3Client({...})` and `Aws::S3::Client.new(...)` are all an `aws-client`), with the facts it was made
with (profile, region, connection URL, project). A method call is then judged as the command that does the
same — `client.delete_bucket(Bucket='b')` is `aws s3api delete-bucket --bucket b`,
`db.drop_database('shop')` is `mongosh URL --eval 'db.getSiblingDB("shop").dropDatabase()'` — so the profile,
the account, the context and the scope are placed the way the CLI family places them. A method this table
does not know returns None: the caller says the code is not understood.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

from changegate.understand.base import UNKNOWN_PART, Word
from changegate.understand.commands.generic import classify_verb
from changegate.understand.commands.interpreters.actions import Actions, json_text, words
from changegate.understand.commands.interpreters.values import Val

Args = list[Val]
Kwargs = dict[str, Val]

# boto3's service names that the CLI spells otherwise
AWS_CLI_SERVICE = {"s3": "s3api"}
# collections of a boto3 / aws-sdk resource, and what one item of them is
AWS_COLLECTIONS = {"instances": "Instance", "buckets": "Bucket", "objects": "Object", "tables": "Table",
                   "volumes": "Volume", "snapshots": "Snapshot", "queues": "Queue", "topics": "Topic",
                   "images": "Image", "security_groups": "SecurityGroup", "users": "User", "roles": "Role",
                   "object_versions": "ObjectVersion", "stacks": "Stack"}
# what deleting (or another action on) one item of a resource is, as a CLI call: (operation, id option)
AWS_ITEM_ACTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("Bucket", "delete"): ("delete-bucket", "--bucket"),
    ("Object", "delete"): ("delete-object", "--key"),
    ("ObjectVersion", "delete"): ("delete-object", "--key"),
    ("Instance", "terminate"): ("terminate-instances", "--instance-ids"),
    ("Instance", "stop"): ("stop-instances", "--instance-ids"),
    ("Instance", "start"): ("start-instances", "--instance-ids"),
    ("Instance", "reboot"): ("reboot-instances", "--instance-ids"),
    ("Table", "delete"): ("delete-table", "--table-name"),
    ("Volume", "delete"): ("delete-volume", "--volume-id"),
    ("Snapshot", "delete"): ("delete-snapshot", "--snapshot-id"),
    ("Queue", "delete"): ("delete-queue", "--queue-url"),
    ("Queue", "purge"): ("purge-queue", "--queue-url"),
    ("Topic", "delete"): ("delete-topic", "--topic-arn"),
    ("Image", "deregister"): ("deregister-image", "--image-id"),
    ("SecurityGroup", "delete"): ("delete-security-group", "--group-id"),
    ("User", "delete"): ("delete-user", "--user-name"),
    ("Role", "delete"): ("delete-role", "--role-name"),
    ("Stack", "delete"): ("delete-stack", "--stack-name"),
}
# what one item's CLI service is, where it is not the resource's
AWS_LISTINGS = {"Instance": "ec2 describe-instances", "Bucket": "s3api list-buckets", "Table": "dynamodb list-tables",
                "Volume": "ec2 describe-volumes", "Snapshot": "ec2 describe-snapshots --owner-ids self",
                "Queue": "sqs list-queues", "Topic": "sns list-topics", "Image": "ec2 describe-images --owners self",
                "SecurityGroup": "ec2 describe-security-groups", "User": "iam list-users", "Role": "iam list-roles",
                "Stack": "cloudformation describe-stacks"}
HARMLESS_METHODS = frozenset({"close", "connect", "commit", "rollback", "begin", "__enter__", "__exit__",
                              "fetchall", "fetchone", "fetchmany", "fetch", "scalar", "scalars", "all", "first",
                              "one", "mappings", "keys", "ping", "info", "end", "release", "dispose", "load",
                              "reload", "wait_until_exists", "wait_until_running", "get_paginator", "promise",
                              "then", "catch", "finally", "on", "quit", "disconnect", "destroy_session",
                              "set_session", "autocommit"})
SQL_METHODS = frozenset({"execute", "executemany", "executescript", "exec_driver_sql", "query", "exec",
                         "exec_params", "run", "sql", "unsafe", "none", "any", "many", "oneOrNone", "manyOrNone"})
REDIS_COMMANDS = {"delete": "DEL", "scan_iter": "SCAN", "hscan_iter": "HSCAN", "sscan_iter": "SSCAN",
                  "flushAll": "FLUSHALL", "flushDb": "FLUSHDB", "unlink": "UNLINK"}


def kebab(name: str) -> str:
    """`DeleteBucket`, `delete_bucket`, `deleteBucket` -> delete-bucket."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name)
    return spaced.replace("_", "-").lower().strip("-")


def aws_options(obj: Val) -> list[str | Val]:
    options: list[str | Val] = []
    profile = obj.field("profile")
    if profile is not None:
        options += ["--profile", profile]
    region = obj.field("region")
    if region is not None:
        options += ["--region", region]
    return options


def aws_params(kwargs: Mapping[str, Val]) -> list[str | Val]:
    """`Bucket='b', MaxKeys=5` (or `bucket: 'b'`) as `--bucket b --max-keys 5`."""
    out: list[str | Val] = []
    for key, value in kwargs.items():
        option = "--" + kebab(key)
        if value.kind == "bool":
            out.append(option if value.text == "true" else "--no-" + kebab(key))
        elif value.kind == "list" and value.items is not None:
            out += [option, *value.items]
        elif value.kind == "list":
            out += [option, value.iterated()]
        elif value.kind == "dict":
            out += [option, Val.string(json_text(value))]
        else:
            out += [option, value]
    return out


def aws_call(actions: Actions, obj: Val, operation: str, kwargs: Mapping[str, Val]) -> Val:
    service = obj.field("service")
    name = service.literal() if service is not None else None
    if name is None:
        actions.unknown(f"calls an AWS service only known at run time ({operation})")
        return Val.data()
    actions.command("aws", *aws_options(obj), AWS_CLI_SERVICE.get(name, name), kebab(operation),
                    *aws_params(kwargs))
    return Val.data()


# --- AWS -------------------------------------------------------------------------------------------------

def aws_session(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    if method in ("client", "resource"):
        service = args[0] if args else kwargs.get("service_name", Val.unknown())
        made = Val.obj("aws-client" if method == "client" else "aws-resource", **obj.fields, service=service)
        region = kwargs.get("region_name")
        if region is not None:
            made.fields["region"] = region
        return made
    if method in ("get_credentials", "get_available_profiles", "get_available_regions", "get_available_services"):
        return Val.data()
    return None


def aws_client(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    if method in HARMLESS_METHODS or method in ("get_waiter", "can_paginate", "generate_presigned_url"):
        return obj if method in ("get_paginator", "get_waiter") else Val.data()
    if method in ("send",) and args and args[0].kind == "obj" and args[0].name == "aws-command":
        command = args[0]
        operation = command.field("operation")
        params = command.field("params")
        op = operation.literal() if operation is not None else None
        if op is None:
            actions.unknown("sends an AWS command only known at run time")
            return Val.data()
        return aws_call(actions, obj, op, params.fields if params is not None else {})
    if method == "paginate":
        return Val.data()
    given = dict(kwargs)
    if args and args[0].kind == "dict":  # aws-sdk v2 / Ruby: the parameters as one object
        given = {**args[0].fields, **given}
    return aws_call(actions, obj, method, given)


def collection(fields: Mapping[str, Val], item: str, **more: Val) -> Val:
    """A collection of a resource (`ec2.instances`, `bucket.objects`): iterating it gives its items, each
    named by an id only a listing knows."""
    made = Val.obj("aws-collection", **{k: v for k, v in fields.items() if k not in ("ident", "item", "narrowed")},
                   item=Val.string(item), **more)
    if "narrowed" in fields:
        made.fields["narrowed"] = fields["narrowed"]
    made.elem = Val.obj("aws-item", **made.fields, ident=Val.string(UNKNOWN_PART))
    return made


def aws_resource(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    if method in AWS_COLLECTIONS:
        return collection(obj.fields, AWS_COLLECTIONS[method])
    if method[:1].isupper():  # s3.Bucket('b'), ec2.Instance('i-1'), dynamodb.Table('t')
        ident = args[0] if args else kwargs.get("name", Val.unknown())
        item = Val.obj("aws-item", **obj.fields, item=Val.string(method), ident=ident)
        if method == "Object" and len(args) > 1:
            item.fields.update(bucket=args[0], ident=args[1])
        return item
    if method in HARMLESS_METHODS or method == "meta":
        return Val.data()
    return aws_client(actions, obj, method, args, kwargs)


def aws_collection(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    if method in ("all", "limit", "page_size", "filter", "each", "map", "to_a"):
        fields = dict(obj.fields)
        if method in ("filter", "limit"):
            fields["narrowed"] = Val.data()
        item_name = obj.field("item")
        return collection(fields, item_name.literal() or "" if item_name is not None else "")
    item = obj.field("item")
    kind = item.literal() if item is not None else None
    if kind is None:
        return None
    each = Val.obj("aws-item", **{k: v for k, v in obj.fields.items() if k != "narrowed"},
                   ident=Val.string(UNKNOWN_PART))
    if obj.field("narrowed") is not None:
        each.fields["narrowed"] = Val.data()
    if method in ("__iter__", "elements"):
        return each
    return aws_item(actions, each, method, args, kwargs)


def aws_item(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    item = obj.field("item")
    kind = item.literal() if item is not None else None
    if kind is None:
        return None
    if method in AWS_COLLECTIONS:  # bucket.objects
        return collection(obj.fields, AWS_COLLECTIONS[method], bucket=obj.field("ident") or Val.unknown())
    ident = obj.field("ident") or Val.unknown()
    listing = ident.literal() is None
    if kind == "Bucket" and method in ("delete!",):
        actions.command("aws", *aws_options(obj), "s3", "rb", s3_url(ident), "--force")
        return Val.data()
    if kind in ("Object", "ObjectVersion") and listing and method in ("delete", "delete!"):
        bucket = obj.field("bucket") or Val.unknown()
        # every object of the bucket (or those a filter picks): `aws s3 rm --recursive`
        actions.command("aws", *aws_options(obj), "s3", "rm", s3_url(bucket),
                        *([] if obj.field("narrowed") is not None else ["--recursive"]))
        return Val.data()
    action = AWS_ITEM_ACTIONS.get((kind, method.rstrip("!")))
    if action is not None:
        operation, option = action
        service = obj.field("service") or Val.unknown()
        name = service.literal() or ""
        id_word: Val = ident
        if listing:
            query = AWS_LISTINGS.get(kind, f"{name} list")
            narrowed = " --filters Name=tag:x,Values=y" if obj.field("narrowed") is not None else ""
            id_word = Val("str", text=UNKNOWN_PART, name=f"$(aws {query}{narrowed})")
        params: list[str | Val] = [option, id_word]
        if kind in ("Object", "ObjectVersion"):
            params = ["--bucket", obj.field("bucket") or Val.unknown(), *params]
        cli_service = AWS_CLI_SERVICE.get(name, name)
        actions.inv.run_argv([*words("aws", *aws_options(obj), cli_service, operation), *params_words(params)],
                             ctx=actions.ctx.clone())
        return Val.data()
    if classify_verb(method) == "read" or method in HARMLESS_METHODS or method in ("id", "name", "key", "state", "get"):
        return Val.data()
    return None


def s3_url(bucket: Val) -> Val:
    return Val("str", text="s3://" + bucket.text_or_unknown())


# --- databases -------------------------------------------------------------------------------------------

def sql_connection(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    url = obj.field("url") or Val.unknown()
    driver = (obj.field("driver") or Val.string("a driver")).text_or_unknown()
    if method in ("cursor", "connect", "begin", "__enter__", "transaction", "acquire", "raw_connection",
                  "getConnection", "promise", "session"):
        return obj
    if method in SQL_METHODS or method == "prepare":
        statement = args[0] if args else kwargs.get("sql", kwargs.get("query", Val.unknown()))
        if statement.kind == "obj" and statement.name == "sql-text":
            statement = statement.field("text") or Val.unknown()
        if statement.kind == "dict":  # node-postgres / mysql2: {text: '…', values: […]}
            statement = statement.field("text") or statement.field("sql") or Val.unknown()
        actions.sql(url, statement, driver=driver)
        return Val.obj("sql-statement") if method == "prepare" else obj  # a cursor over the result
    if method in HARMLESS_METHODS:
        return Val.data()
    return None


def sql_statement(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    """A prepared statement: its SQL was judged when it was prepared."""
    return Val.data()


def redis_client(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    if method in ("pipeline", "multi", "duplicate"):
        return obj
    if method in ("execute", "exec", "close", "quit", "connect", "disconnect", "ping"):
        return Val.data()
    command = REDIS_COMMANDS.get(method, method.upper())
    if not re.fullmatch(r"[A-Z][A-Z_]*", command):
        return None
    actions.command("redis-cli", *redis_target(obj), command, *args)
    return Val.data()


def redis_target(obj: Val) -> list[str | Val]:
    url = obj.field("url")
    if url is not None:
        return ["-u", url]
    out: list[str | Val] = ["-h", obj.field("host") or Val.string("localhost")]
    port = obj.field("port")
    if port is not None:
        out += ["-p", port]
    db = obj.field("db")
    if db is not None:
        out += ["-n", db]
    return out


def mongo_eval(actions: Actions, obj: Val, code: str) -> Val:
    url = obj.field("url") or Val.string("mongodb://localhost")
    actions.command("mongosh", url, "--quiet", "--eval", code)
    return Val.data()


def mongo_name(value: Val) -> str:
    return json.dumps(value.text_or_unknown().replace(UNKNOWN_PART, "__changegate_dynamic__"))


def mongo_client(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    if method in ("get_database", "db", "__getitem__", "getDatabase", "database", "use"):
        name = args[0] if args else Val.string("test")
        return Val.obj("mongo-db", url=obj.field("url") or Val.unknown(), db=name)
    if method in ("drop_database", "dropDatabase"):
        name = args[0] if args else Val.unknown()
        return mongo_eval(actions, obj, f"db.getSiblingDB({mongo_name(name)}).dropDatabase()")
    if method in ("list_database_names", "list_databases", "server_info", "listDatabases", "close", "connect"):
        return Val.data() if method not in ("connect",) else obj
    return None


def mongo_db(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    db = mongo_name(obj.field("db") or Val.unknown())
    if method in ("get_collection", "collection", "__getitem__", "getCollection"):
        name = args[0] if args else Val.unknown()
        return Val.obj("mongo-collection", **obj.fields, collection=name)
    if method in ("drop_collection", "dropCollection"):
        name = args[0] if args else Val.unknown()
        return mongo_eval(actions, obj, f"db.getSiblingDB({db}).getCollection({mongo_name(name)}).drop()")
    if method in ("dropDatabase", "drop_database", "drop"):
        return mongo_eval(actions, obj, f"db.getSiblingDB({db}).dropDatabase()")
    if method in ("list_collection_names", "list_collections", "listCollections", "collections", "stats",
                  "command") and method != "command":
        return Val.data()
    return None


MONGO_METHODS = {"delete_many": "deleteMany", "delete_one": "deleteOne", "drop": "drop",
                 "update_many": "updateMany", "update_one": "updateOne", "replace_one": "replaceOne",
                 "insert_one": "insertOne", "insert_many": "insertMany", "find_one_and_delete": "findOneAndDelete",
                 "remove": "remove", "rename": "renameCollection", "drop_indexes": "dropIndexes",
                 "drop_index": "dropIndex"}
MONGO_READS = frozenset({"find", "find_one", "count_documents", "estimated_document_count", "aggregate", "distinct",
                         "findOne", "countDocuments", "estimatedDocumentCount", "list_indexes", "index_information",
                         "watch", "toArray", "limit", "sort"})


def mongo_collection(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    if method in MONGO_READS:
        return Val.data()
    name = MONGO_METHODS.get(method, method if method in MONGO_METHODS.values() else None)
    if name is None:
        return None
    db = mongo_name(obj.field("db") or Val.unknown())
    collection = mongo_name(obj.field("collection") or Val.unknown())
    rendered = ", ".join(mongo_document(a) for a in args) if name not in ("drop", "dropIndexes") else ""
    return mongo_eval(actions, obj, f"db.getSiblingDB({db}).getCollection({collection}).{name}({rendered})")


def mongo_document(value: Val) -> str:
    """A filter or document as the Mongo shell reads it: `{}` (every document) only when it is that."""
    if value.kind == "dict" and not value.fields:
        return "{}"
    if value.kind == "dict" and all(v.literal() is not None or v.kind in ("num", "bool") for v in value.fields.values()):
        return json_text(value)
    if value.textual:
        return mongo_name(value)
    return "{_changegate_filter: 1}"  # a filter known only at run time: some documents, not all


# --- search, Kubernetes, storage, HTTP ---------------------------------------------------------------------

ES_READS = frozenset({"search", "count", "get", "info", "ping", "exists", "mget", "msearch", "get_source", "explain",
                      "field_caps", "get_alias", "get_mapping", "get_settings", "stats", "health", "nodes",
                      "get_index_template", "get_template", "cat", "scroll", "open_point_in_time", "indices"})


def es_client(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    base = (obj.field("url") or Val.string("http://localhost:9200")).text_or_unknown().rstrip("/")
    namespace = obj.field("namespace")
    if method in ("indices", "cluster", "cat", "snapshot", "ingest", "tasks") and namespace is None:
        return Val.obj("es-client", **obj.fields, namespace=Val.string(method))
    index = kwargs.get("index", args[0] if args else None)
    path = "" if index is None else "/" + index.text_or_unknown()
    space = namespace.literal() if namespace is not None else None
    if method in ES_READS or (space == "cat") or method.startswith("get_"):
        actions.http("GET", Val.string(base + path))
        return Val.data()
    if space == "indices" and method == "delete":
        actions.http("DELETE", Val.string(base + path))
    elif method == "delete_by_query":
        actions.http("POST", Val.string(f"{base}{path}/_delete_by_query"),
                     data=Val.string(json_text(kwargs.get("body", kwargs.get("query", Val.unknown())))))
    elif method == "delete":
        document = kwargs.get("id", args[1] if len(args) > 1 else Val.unknown())
        actions.http("DELETE", Val.string(f"{base}{path}/_doc/{document.text_or_unknown()}"))
    elif space == "snapshot" and method == "delete":
        actions.http("DELETE", Val.string(f"{base}/_snapshot/{(args[0] if args else Val.unknown()).text_or_unknown()}"))
    elif method in ("index", "create", "update", "bulk", "put_mapping", "put_settings", "put_alias", "close",
                    "open", "refresh", "flush", "forcemerge", "update_by_query", "reindex"):
        actions.http("POST" if method not in ("create", "put_mapping", "put_settings") else "PUT",
                     Val.string(f"{base}{path}/_{method}" if method not in ("create", "index") else base + path))
    else:
        return None
    return Val.data()


def k8s_kind(words: str) -> str:
    return words.replace("_", "")


def k8s_api(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    target: list[str | Val] = []
    for fact, option in (("kube-context", "--context"), ("kubeconfig", "--kubeconfig")):
        value = actions.facts.get(fact)
        if value is not None:
            target += [option, value]
    match = re.fullmatch(r"(delete|read|list|create|patch|replace)_(collection_)?(namespaced_)?(\w+?)(_for_all_namespaces)?",
                         method)
    if match is None:
        return None
    verb, collection, namespaced, kind_words, everywhere = match.groups()
    kind = k8s_kind(kind_words)
    name = args[0] if args else kwargs.get("name", Val.unknown())
    namespace = kwargs.get("namespace", args[1] if namespaced and len(args) > 1 else None)
    where: list[str | Val] = ["-n", namespace] if namespace is not None else []
    if collection and namespaced and namespace is None:
        where = ["-n", args[0] if args else Val.unknown()]
    if everywhere:
        where = ["--all-namespaces"]
    if verb in ("read", "list"):
        actions.command("kubectl", *target, "get", kind, *([] if verb == "list" else [name]), *where)
    elif verb == "delete" and collection:
        actions.command("kubectl", *target, "delete", kind, "--all", *where)
    elif verb == "delete":
        actions.command("kubectl", *target, "delete", kind, name, *where)
    elif verb == "create":
        body = kwargs.get("body", args[-1] if args else Val.unknown())
        metadata = body.field("metadata") if body.kind in ("dict", "obj") else None
        created = metadata.field("name") if metadata is not None else None
        actions.command("kubectl", *target, "create", kind, created or Val.unknown(), *where)
    else:
        actions.command("kubectl", *target, "patch", kind, name, *where, "--type", "merge", "-p", "{}")
    return Val.data()


def gcs_client(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    if method in ("bucket", "get_bucket", "lookup_bucket"):
        name = args[0] if args else kwargs.get("bucket_name", Val.unknown())
        return Val.obj("gcs-bucket", **obj.fields, bucket=name)
    if method in ("list_buckets", "list_blobs", "get_service_account_email", "close"):
        return Val.data()
    if method == "create_bucket":
        name = args[0] if args else kwargs.get("bucket_or_name", Val.unknown())
        actions.command("gcloud", "storage", "buckets", "create", gs_url(name), *gcs_project(obj))
        return Val.data()
    return None


def gcs_bucket(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    bucket = obj.field("bucket") or Val.unknown()
    if method in ("blob", "get_blob"):
        return Val.obj("gcs-blob", **obj.fields, blob=args[0] if args else Val.unknown())
    if method in ("list_blobs", "exists", "reload", "get_iam_policy", "get_blob", "labels"):
        return Val.data()
    if method == "delete":
        force = kwargs.get("force")
        if force is not None and force.text == "true":
            actions.command("gcloud", "storage", "rm", "-r", gs_url(bucket), *gcs_project(obj))
        else:
            actions.command("gcloud", "storage", "buckets", "delete", gs_url(bucket), *gcs_project(obj))
        return Val.data()
    if method == "delete_blobs":
        actions.command("gcloud", "storage", "rm", Val("str", text=f"gs://{bucket.text_or_unknown()}/{UNKNOWN_PART}"),
                        *gcs_project(obj))
        return Val.data()
    return None


def gcs_blob(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    url = Val("str", text=f"gs://{(obj.field('bucket') or Val.unknown()).text_or_unknown()}/"
                          f"{(obj.field('blob') or Val.unknown()).text_or_unknown()}")
    if method == "delete":
        actions.command("gcloud", "storage", "rm", url, *gcs_project(obj))
    elif method in ("upload_from_filename", "upload_from_file"):
        actions.command("gcloud", "storage", "cp", args[0] if args else Val.unknown(), url, *gcs_project(obj))
    elif method in ("upload_from_string",):
        actions.command("gcloud", "storage", "cp", "-", url, *gcs_project(obj))
    elif method in ("download_to_filename",):
        actions.command("gcloud", "storage", "cp", url, args[0] if args else Val.unknown(), *gcs_project(obj))
    elif method in ("download_as_text", "download_as_bytes", "download_as_string", "exists", "reload"):
        return Val.data()
    else:
        return None
    return Val.data()


def gs_url(name: Val) -> Val:
    return Val("str", text="gs://" + name.text_or_unknown().removeprefix("gs://"))


def gcs_project(obj: Val) -> list[str | Val]:
    project = obj.field("project")
    return ["--project", project] if project is not None else []


HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})


def http_session(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    if method in HTTP_METHODS:
        http_request(actions, method, args[0] if args else kwargs.get("url", Val.unknown()), kwargs)
        return Val.data()
    if method == "request" and len(args) >= 2:
        http_request(actions, args[0].text_or_unknown().lower(), args[1], kwargs)
        return Val.data()
    if method in HARMLESS_METHODS or method in ("mount", "headers", "auth"):
        return Val.data()
    return None


def http_request(actions: Actions, method: str, url: Val, kwargs: Mapping[str, Val]) -> None:
    """`requests.post(url, files=…, data=…)` and the like: judged as curl would be."""
    files: list[Val] = []
    attached = kwargs.get("files")
    if attached is not None:
        for value in (attached.fields.values() if attached.kind == "dict" else [attached]):
            files.append(value.field("path") or value if value.kind == "file" else value)
    data = kwargs.get("data", kwargs.get("json", kwargs.get("body")))
    if data is not None and data.kind == "file":
        files.append(data.field("path") or Val.unknown())
        data = None
    verb = method.upper() if method.upper() != "UNKNOWN" else "POST"
    actions.http(verb, url, files=files, data=data)


# --- dispatch ------------------------------------------------------------------------------------------------

def response(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    """A response that has arrived: reading it (`.json()`, `.text()`) does nothing more."""
    return Val.data()


Handler = Callable[[Actions, Val, str, Args, Kwargs], "Val | None"]
SERVICES: dict[str, Handler] = {
    "aws-session": aws_session, "aws-client": aws_client, "aws-resource": aws_resource,
    "aws-collection": aws_collection, "aws-item": aws_item, "sql-connection": sql_connection,
    "sql-statement": sql_statement, "redis": redis_client, "mongo-client": mongo_client, "mongo-db": mongo_db,
    "mongo-collection": mongo_collection, "es-client": es_client, "k8s-api": k8s_api, "gcs-client": gcs_client,
    "gcs-bucket": gcs_bucket, "gcs-blob": gcs_blob, "http-session": http_session, "http-response": response,
}


def service_call(actions: Actions, obj: Val, method: str, args: Args, kwargs: Kwargs) -> Val | None:
    """What calling `method` on a library object does; None when it is not one changegate understands."""
    handler = SERVICES.get(obj.name)
    if handler is None:
        return None
    return handler(actions, obj, method, args, kwargs)


def service_attribute(obj: Val, name: str) -> Val | None:
    """An attribute that is itself an object (`es.indices`, `ec2.instances`, `client.shop.orders`)."""
    if obj.name == "aws-resource" and name in AWS_COLLECTIONS:
        return collection(obj.fields, AWS_COLLECTIONS[name])
    if obj.name == "aws-item" and name in AWS_COLLECTIONS:
        return collection(obj.fields, AWS_COLLECTIONS[name], bucket=obj.field("ident") or Val.unknown())
    if obj.name == "es-client" and name in ("indices", "cluster", "cat", "snapshot", "ingest", "tasks"):
        return Val.obj("es-client", **obj.fields, namespace=Val.string(name))
    if obj.name == "mongo-client" and not name.startswith("_"):
        return Val.obj("mongo-db", url=obj.field("url") or Val.unknown(), db=Val.string(name))
    if obj.name == "mongo-db" and not name.startswith("_") and name not in ("name", "client"):
        return Val.obj("mongo-collection", **obj.fields, collection=Val.string(name))
    return None


def params_words(params: list[str | Val]) -> list[Word]:
    """Parameters as words; an id list a run-time listing returns keeps that listing as its text (the aws
    family judges `--instance-ids $(aws ec2 describe-instances)` as every instance)."""
    out: list[Word] = []
    for param in params:
        if isinstance(param, Val) and param.name.startswith("$(") and param.text == UNKNOWN_PART:
            out.append(Word(UNKNOWN_PART, text=param.name))
        else:
            out.extend(words(param))
    return out
