"""Alembic's environment for changegate's store. `changegate.service.store.open_store()` runs it programmatically on
a connection it already holds (passed in `config.attributes["connection"]`); there is no alembic.ini."""

from __future__ import annotations

from alembic import context

from changegate.service.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("changegate migrations run through changegate.service.store.open_store(), which passes a connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
