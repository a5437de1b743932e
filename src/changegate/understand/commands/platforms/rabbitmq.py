"""rabbitmqctl and its siblings: `rabbitmqctl delete_vhost /prod`, `rabbitmqadmin delete queue name=jobs`."""

from __future__ import annotations

from changegate.understand.commands.platforms.base import Platform


class RabbitMq(Platform):
    NAMES = (
        "rabbitmqctl", "rabbitmqadmin", "rabbitmq-diagnostics", "rabbitmq-plugins", "rabbitmq-queues",
        "rabbitmq-upgrade",
    )
    ENV_VARIABLES = ("RABBITMQ_NODENAME", "RABBITMQ_ERLANG_COOKIE", "RABBITMQ_CONFIG_FILE")
    VALUE_OPTIONS = frozenset({"-n", "--node", "-p", "--vhost", "-t", "--timeout", "--formatter", "-H", "--host",
                               "-P", "--port", "-V", "-u", "--username", "--password", "-c", "--config", "-N",
                               "-f", "--format", "-d", "--depth", "-s", "--sort"})
    ADDRESS_OPTIONS = ("-n", "--node", "-H", "--host")
    ADDRESS_VARIABLES = ("RABBITMQ_NODENAME",)
    CONTEXT_OPTIONS = ("-p", "--vhost", "-V")
    WHERE_UNKNOWN = "no -n/--node or --host says which RabbitMQ node this is"
    VERBS = {
        **Platform.VERBS,
        "clear_permissions": "permission", "set_permissions": "permission", "set_user_tags": "permission",
        "add_user": "permission", "change_password": "permission", "clear_password": "permission",
        "set_topic_permissions": "permission", "clear_topic_permissions": "permission",
        "authenticate_user": "read", "cluster_status": "read", "environment": "read", "report": "read",
        "node_health_check": "read", "await_startup": "read", "export_definitions": "read",
        "import_definitions": "replace", "stop_app": "host_control", "stop": "host_control",
        "shutdown": "host_control", "close_connection": "host_control", "close_all_connections": "host_control",
        "reset": "delete", "force_reset": "delete", "forget_cluster_node": "delete", "eval": "execute_opaque",
        "purge_queue": "delete", "declare": "create", "purge": "delete", "close": "host_control",
        "list": "read", "show": "read", "get": "read", "ping": "read", "status": "read",
    }
    WHOLE_ENVIRONMENT_NOUNS = frozenset({"vhost", "reset"})
    DATA_NOUNS = frozenset({"queue", "vhost"})
    # a reset wipes the node: every vhost, queue and user
    VERB_KINDS = {"reset": frozenset({"reset", "vhost"}), "force_reset": frozenset({"reset", "vhost"}),
                  "purge_queue": frozenset({"queue"}), "purge": frozenset({"queue"})}
    NOUN_AFTER_VERB = True
