"""`changegate shims install|list|remove`: the executables that route tools through `changegate run`.

    changegate shims install [DIR] [--tool kubectl …] [--add pulumi …]
    export PATH="DIR:$PATH"          # first on the agent's PATH (`changegate install AGENT` can do it)
"""

from __future__ import annotations

from pathlib import Path

import typer

from changegate.broker import shims
from changegate.cli import fail

VERBS = {"install": "write shims for the tools", "list": "the tools that have a shim", "remove": "remove shims"}
app = typer.Typer(help="Shims: kubectl, aws, psql … that hand their exact argv to `changegate run`.",
                  no_args_is_help=True, add_completion=False)
DIR_ARGUMENT = typer.Argument(None, help="the shim directory (default: the gate's state directory/shims)")


@app.command(help=VERBS["install"])
def install(directory: Path = DIR_ARGUMENT,
            tool: list[str] = typer.Option(None, "--tool", "-t", help="only these tools (repeat)"),
            add: list[str] = typer.Option(None, "--add", help="more tools besides the usual ones (repeat)")) -> int:
    folder = directory or shims.default_dir()
    tools = list(tool or shims.DEFAULT_TOOLS) + list(add or [])
    try:
        written = shims.install(folder, tools)
    except (shims.ShimError, OSError) as exc:
        raise fail(str(exc)) from exc
    print(f"{len(written)} shims in {folder}: {' '.join(p.name for p in written)}")
    print(f'put it first on the agent\'s PATH: export PATH="{folder.resolve()}:$PATH"')
    return 0


@app.command(name="list", help=VERBS["list"])
def list_shims(directory: Path = DIR_ARGUMENT) -> int:
    folder = directory or shims.default_dir()
    names = shims.installed(folder)
    print(f"{folder}: {' '.join(names) if names else 'no shims'}")
    return 0


@app.command(help=VERBS["remove"])
def remove(directory: Path = DIR_ARGUMENT,
           tool: list[str] = typer.Option(None, "--tool", "-t", help="only these tools (default: all)")) -> int:
    folder = directory or shims.default_dir()
    removed = shims.remove(folder, tool or None)
    print(f"removed {len(removed)} shim(s) from {folder}")
    return 0
