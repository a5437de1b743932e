"""Service CLIs shaped `TOOL [NOUN…] VERB`: brokers, stores, backups, object stores, hosting, VMs, CI."""
