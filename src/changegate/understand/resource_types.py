"""Which infrastructure resource types hold data, and which are a whole environment by themselves.

Tables, per provider prefix (terraform `aws_`, `google_`, `azurerm_`, `kubernetes_`, …) and per
CloudFormation namespace (`AWS::RDS::…`). Losing a resource of a data type loses data that a re-create
does not bring back: databases, buckets, volumes, disks, file systems, keys, DNS zones, clusters,
networks, queues and streams, secrets, backups and snapshots. A whole-environment type takes everything
inside it along (a project, a resource group, a namespace, an account).
"""

from __future__ import annotations

import re


def _table(spec: dict[str, str]) -> dict[str, frozenset[str]]:
    return {prefix: frozenset(names.split()) for prefix, names in spec.items()}


# terraform: provider prefix -> resource type names without the prefix
TERRAFORM_DATA: dict[str, frozenset[str]] = _table({
    "aws_": "db_instance rds_cluster rds_global_cluster db_cluster_snapshot db_snapshot dynamodb_table "
            "dynamodb_global_table s3_bucket s3_directory_bucket s3control_bucket efs_file_system ebs_volume "
            "ebs_snapshot ebs_snapshot_copy kms_key kms_replica_key route53_zone eks_cluster ecs_cluster vpc "
            "sqs_queue kinesis_stream kinesis_firehose_delivery_stream msk_cluster msk_serverless_cluster "
            "secretsmanager_secret ssm_parameter backup_vault backup_plan elasticache_cluster "
            "elasticache_replication_group elasticache_serverless_cache opensearch_domain "
            "elasticsearch_domain redshift_cluster redshiftserverless_namespace docdb_cluster "
            "docdb_elastic_cluster neptune_cluster fsx_lustre_file_system fsx_windows_file_system "
            "fsx_ontap_file_system fsx_openzfs_file_system glacier_vault cloudwatch_log_group ecr_repository "
            "cognito_user_pool timestreamwrite_database timestreamwrite_table keyspaces_keyspace "
            "keyspaces_table qldb_ledger memorydb_cluster mq_broker lightsail_database "
            "lightsail_disk datasync_location_s3 athena_database glue_catalog_database glue_catalog_table "
            "lakeformation_resource organizations_account acm_certificate acmpca_certificate_authority "
            "codecommit_repository",
    "google_": "sql_database_instance sql_database storage_bucket bigquery_dataset bigquery_table "
               "spanner_instance spanner_database bigtable_instance bigtable_table firestore_database "
               "filestore_instance compute_disk compute_region_disk compute_snapshot compute_image "
               "compute_network container_cluster kms_crypto_key kms_key_ring dns_managed_zone pubsub_topic "
               "pubsub_subscription secret_manager_secret redis_instance alloydb_cluster alloydb_instance "
               "memcache_instance project folder artifact_registry_repository logging_project_bucket_config "
               "sourcerepo_repository datastore_index",
    "azurerm_": "resource_group storage_account storage_container storage_share storage_blob storage_table "
                "storage_queue mssql_database mssql_server mssql_managed_instance sql_database sql_server "
                "postgresql_server postgresql_flexible_server postgresql_database "
                "postgresql_flexible_server_database mysql_server mysql_flexible_server mysql_database "
                "mysql_flexible_database mariadb_server cosmosdb_account cosmosdb_sql_database "
                "cosmosdb_mongo_database cosmosdb_cassandra_keyspace key_vault key_vault_key key_vault_secret "
                "key_vault_certificate managed_disk snapshot virtual_network kubernetes_cluster dns_zone "
                "private_dns_zone servicebus_namespace servicebus_queue eventhub_namespace eventhub "
                "redis_cache recovery_services_vault data_protection_backup_vault data_lake_store "
                "synapse_workspace log_analytics_workspace container_registry",
    "kubernetes_": "namespace namespace_v1 persistent_volume persistent_volume_v1 persistent_volume_claim "
                   "persistent_volume_claim_v1 secret secret_v1 stateful_set stateful_set_v1",
    "digitalocean_": "database_cluster database_db volume volume_snapshot spaces_bucket kubernetes_cluster vpc "
                     "droplet_snapshot",
    "cloudflare_": "zone r2_bucket d1_database workers_kv_namespace",
    "github_": "repository",
    "gitlab_": "project group",
    "vault_": "mount kv_secret kv_secret_v2 generic_secret",
    "postgresql_": "database schema",
    "mysql_": "database",
    "mongodbatlas_": "cluster advanced_cluster project",
    "snowflake_": "database schema table",
    "heroku_": "app addon",
    "linode_": "instance_disk volume lke_cluster",
    "hcloud_": "volume",
    "oci_": "database_autonomous_database database_db_system objectstorage_bucket core_volume",
    "ibm_": "database cos_bucket",
})
# resource types that are a whole environment: deleting one takes everything inside it
TERRAFORM_WHOLE_ENVIRONMENT: frozenset[str] = frozenset({
    "aws_organizations_account", "aws_eks_cluster", "aws_ecs_cluster", "aws_vpc",
    "google_project", "google_folder", "google_container_cluster", "google_compute_network",
    "azurerm_resource_group", "azurerm_kubernetes_cluster", "azurerm_virtual_network", "azurerm_subscription",
    "kubernetes_namespace", "kubernetes_namespace_v1",
    "digitalocean_kubernetes_cluster", "digitalocean_project", "linode_lke_cluster",
    "mongodbatlas_project", "heroku_app",
})
# attributes that protect a resource from deletion, and the value that means "protected"
PROTECTION_ATTRIBUTES: dict[str, object] = {
    "deletion_protection": True,
    "deletion_protection_enabled": True,
    "enable_deletion_protection": True,
    "disable_api_termination": True,
    "termination_protection": True,
    "prevent_destroy": True,
    "force_destroy": False,  # buckets: true lets terraform delete a bucket that still holds objects
    "skip_final_snapshot": False,  # databases: true deletes without a last snapshot
    "delete_protection_state": "DELETE_PROTECTION_ENABLED",  # google firestore
    "prevent_deletion_if_contains_resources": True,  # azurerm resource group features
}

# CloudFormation: service namespace -> resource kinds that hold data
CLOUDFORMATION_DATA: dict[str, frozenset[str]] = _table({
    "AWS::RDS::": "DBInstance DBCluster GlobalCluster DBSnapshot",
    "AWS::DynamoDB::": "Table GlobalTable",
    "AWS::S3::": "Bucket",
    "AWS::S3Express::": "DirectoryBucket",
    "AWS::EFS::": "FileSystem",
    "AWS::EC2::": "Volume VPC",
    "AWS::KMS::": "Key ReplicaKey",
    "AWS::Route53::": "HostedZone",
    "AWS::EKS::": "Cluster",
    "AWS::ECS::": "Cluster",
    "AWS::SQS::": "Queue",
    "AWS::Kinesis::": "Stream",
    "AWS::KinesisFirehose::": "DeliveryStream",
    "AWS::MSK::": "Cluster ServerlessCluster",
    "AWS::SecretsManager::": "Secret",
    "AWS::SSM::": "Parameter",
    "AWS::Backup::": "BackupVault BackupPlan",
    "AWS::ElastiCache::": "CacheCluster ReplicationGroup ServerlessCache",
    "AWS::OpenSearchService::": "Domain",
    "AWS::Elasticsearch::": "Domain",
    "AWS::Redshift::": "Cluster",
    "AWS::RedshiftServerless::": "Namespace",
    "AWS::DocDB::": "DBCluster",
    "AWS::DocDBElastic::": "Cluster",
    "AWS::Neptune::": "DBCluster",
    "AWS::FSx::": "FileSystem",
    "AWS::Logs::": "LogGroup",
    "AWS::ECR::": "Repository",
    "AWS::Cognito::": "UserPool",
    "AWS::Timestream::": "Database Table",
    "AWS::Cassandra::": "Keyspace Table",
    "AWS::QLDB::": "Ledger",
    "AWS::MemoryDB::": "Cluster",
    "AWS::AmazonMQ::": "Broker",
    "AWS::Glue::": "Database Table",
    "AWS::CodeCommit::": "Repository",
    "AWS::CloudFormation::": "Stack",
})
CLOUDFORMATION_WHOLE_ENVIRONMENT: frozenset[str] = frozenset({
    "AWS::EKS::Cluster", "AWS::ECS::Cluster", "AWS::EC2::VPC", "AWS::CloudFormation::Stack",
    "AWS::Organizations::Account",
})


def terraform_holds_data(resource_type: str) -> bool:
    prefix, sep, rest = resource_type.partition("_")
    if not sep:
        return False
    names = TERRAFORM_DATA.get(prefix + "_")
    return names is not None and rest in names


def terraform_whole_environment(resource_type: str) -> bool:
    return resource_type in TERRAFORM_WHOLE_ENVIRONMENT


def cloudformation_holds_data(resource_type: str) -> bool:
    namespace, _, kind = resource_type.rpartition("::")
    names = CLOUDFORMATION_DATA.get(namespace + "::")
    return names is not None and kind in names


def cloudformation_whole_environment(resource_type: str) -> bool:
    return resource_type in CLOUDFORMATION_WHOLE_ENVIRONMENT


def address_type(address: str) -> str:
    """The resource type in a terraform address: `module.db.aws_db_instance.main[0]` -> aws_db_instance."""
    parts = [p for p in address.split(".") if p]
    i = 0
    while i + 1 < len(parts) and parts[i] in ("module", "data"):
        i += 2 if parts[i] == "module" else 1
    return parts[i] if i < len(parts) else ""


# Directories where database servers keep their data on a host: deleting or replacing them (or any part of
# them) loses the database, whatever the path's environment says about the machine.
DATABASE_DATA_DIRS = re.compile(
    r"^(/var/lib/(postgresql|pgsql|mysql|mariadb|mongodb|mongo|redis|cassandra|elasticsearch|opensearch|"
    r"clickhouse|influxdb|couchdb|neo4j|etcd|rabbitmq|kafka|zookeeper|scylla|cockroach|minio|docker/volumes)"
    r"|/var/opt/gitlab/(postgresql|redis|git-data|gitlab-rails/shared)|/var/opt/mssql"
    r"|/opt/bitnami/(postgresql|mysql|mariadb|mongodb|redis)/data"
    r"|.*/(postgresql|postgres|pgsql)/(\d+(\.\d+)?/)?(data|main)|.*/pg_?data|.*/mysql/data|.*/mongo(db)?/data"
    r"|.*/pg_wal|.*/pg_xlog)(/.*)?$")


def database_data_dir(path: str) -> bool:
    """Whether a path is (inside) a database server's data directory."""
    return DATABASE_DATA_DIRS.match(path.rstrip("/")) is not None
