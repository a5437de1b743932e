"""changegate's HTTP server: the API (`/v1`), its services and the uvicorn runner.

    from changegate.server import create_app, Settings
    app = create_app(Settings(database_url="sqlite:///gate.db"))

`changegate serve` runs it; docs/server.md describes the API, credentials and deployment.
"""

from __future__ import annotations

from changegate.server.app import create_app
from changegate.server.services import Services, Settings

__all__ = ["Services", "Settings", "create_app", "serve"]


def serve(host: str = "127.0.0.1", port: int = 8787, settings: Settings | None = None, workers: int = 1,
          log_level: str = "warning") -> None:
    """Run the server with uvicorn until interrupted. Several workers share the store (on SQLite through
    its write lock, on PostgreSQL through row locks), each building its own app from the settings."""
    import os

    import uvicorn

    settings = settings or Settings.from_env()
    os.environ.update(settings.to_env())  # the workers read their settings from the environment
    uvicorn.run("changegate.server.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=False, server_header=False)
