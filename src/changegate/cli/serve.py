"""`changegate serve`: the HTTP API (docs/server.md).

    changegate serve [--host 127.0.0.1] [--port 8787] [--policy FILE] [--database-url URL] [--workers N]
                     [--public-url https://gate.example.com] [--webhook URL] [--slack-webhook URL] [--teams-webhook URL]
                     [--witness FILE|URL] [--checkpoint-every 1000] [--checkpoint-every-s 300]
"""

from __future__ import annotations

from pathlib import Path

import typer

from changegate.cli import fail
from changegate.policy import PolicyError, load_policy
from changegate.policy.schema import Webhook
from changegate.service.store import StoreError, default_url, masked, open_store

VERBS = {"serve": "run the HTTP API"}


def register(app: typer.Typer) -> None:
    app.command(name="serve", help=VERBS["serve"])(serve)


def serve(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8787, "--port", min=1, max=65535),
          policy: Path = typer.Option(None, "--policy", "-p", help="policy file (default: the built-in policy)"),
          database_url: str = typer.Option(None, "--database-url", help="overrides CHANGEGATE_DATABASE_URL"),
          public_url: str = typer.Option(None, "--public-url", help="how people reach this server (for links)"),
          webhook: list[str] = typer.Option([], "--webhook", help="a URL that gets JSON events (repeatable)"),
          slack_webhook: list[str] = typer.Option([], "--slack-webhook", help="a Slack incoming webhook (repeatable)"),
          teams_webhook: list[str] = typer.Option([], "--teams-webhook", help="a Microsoft Teams incoming webhook or "
                                                  "Workflows URL (repeatable)"),
          witness: list[str] = typer.Option([], "--witness", help="where signed checkpoints of the audit chain go: "
                                            "a file (JSON lines appended), an http(s) URL, or a second "
                                            "database's URL (repeatable)"),
          checkpoint_every: int = typer.Option(1000, "--checkpoint-every", min=1, help="sign every N records"),
          checkpoint_every_s: float = typer.Option(300.0, "--checkpoint-every-s", min=1.0,
                                                   help="and every M seconds when the chain has grown"),
          workers: int = typer.Option(1, "--workers", min=1, max=64, help="server processes"),
          log_level: str = typer.Option("warning", "--log-level")) -> int:
    # FastAPI, uvicorn and the web pages: only for `serve` itself, not for `changegate --help`
    from changegate.server import serve as run
    from changegate.server.services import Settings

    try:
        load_policy(policy)
    except PolicyError as exc:
        raise fail("\n".join(exc.problems), 2) from exc
    url = database_url or default_url()
    try:
        open_store(url).dispose()  # create or migrate once, before the workers start
    except StoreError as exc:
        raise fail(str(exc)) from exc
    hooks = ([Webhook(url=u) for u in webhook] + [Webhook(url=u, format="slack") for u in slack_webhook]
             + [Webhook(url=u, format="teams") for u in teams_webhook])
    settings = Settings(database_url=url, policy_path=str(policy) if policy else None,
                        public_url=public_url or f"http://{host}:{port}", webhooks=hooks,
                        witnesses=[w if "://" in w or w.startswith("sqlite:") else str(Path(w).expanduser().resolve())
                                   for w in witness],
                        checkpoint_every=checkpoint_every, checkpoint_every_s=checkpoint_every_s)
    print(f"changegate: serving on http://{host}:{port} (store {masked(url)}, {workers} worker"
          f"{'s' if workers > 1 else ''})", flush=True)
    run(host, port, settings, workers=workers, log_level=log_level)
    return 0
