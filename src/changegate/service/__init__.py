"""The gate's own services: approvals, the audit chain and its spool, notifications, the store and accounts."""
