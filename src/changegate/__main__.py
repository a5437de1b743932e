"""`changegate` and `python -m changegate`.

Hot paths (`hook`, every agent tool call) are dispatched before the CLI framework is imported: Typer and
Rich cost more start-up time than the whole decision.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["hook"]:
        # before Typer and Rich are imported: the hook runs on every agent tool call
        from changegate.integrations.hook import main as hook_main

        return int(hook_main(args[1:]))
    if args[:1] == ["mcp-proxy"]:
        # the agent waits for the proxy to start: its usual shape skips Typer too
        proxy_args = simple_proxy_args(args[1:])
        if proxy_args is not None:
            from changegate.integrations.mcp_proxy import ProxyError, run_proxy

            try:
                return run_proxy(proxy_args[2], name=proxy_args[0], url=proxy_args[1])
            except ProxyError as exc:
                print(f"changegate: {exc}", file=sys.stderr)
                return 1
    from changegate.cli import run  # Typer: for everything but the hook

    return run(args)


def simple_proxy_args(args: list[str]) -> tuple[str | None, str | None, list[str]] | None:
    """`[--name N] [--url U] -- CMD…` as (name, url, command); None for any other shape (Typer parses it)."""
    values: dict[str, str] = {}
    i = 0
    while i < len(args) and args[i] != "--":
        option, eq, value = args[i].partition("=")
        if option not in ("--name", "--url") or option in values:
            return None
        if not eq:
            if i + 1 >= len(args) or args[i + 1] == "--":
                return None
            value, i = args[i + 1], i + 1
        values[option] = value
        i += 1
    command = args[i + 1:] if i < len(args) else []
    if not command and "--url" not in values:
        return None
    return values.get("--name"), values.get("--url"), command


if __name__ == "__main__":
    sys.exit(main())
