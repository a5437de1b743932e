"""Cloud provider CLIs: aws, gcloud (with gsutil and bq), az, oci and ibmcloud."""
