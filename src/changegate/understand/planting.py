"""Places where a written file becomes code that runs later, and the code in it: a package's scripts (npm
runs its lifecycle scripts on install), a `.pth` file's import lines (every Python start runs them), an
editor task that runs when the folder opens, git and husky hooks, a direnv `.envrc`, code under
node_modules. The walker and the file_write analysis judge that code now, as what it is."""

from __future__ import annotations

import json
import posixpath

Planted = list[tuple[str, str]]  # (language: shell | python | javascript, code)


def code_in(path: str, content: str) -> list[tuple[str, str]]:
    name = posixpath.basename(path)
    parts = path.split("/")
    if name.endswith(".pth"):
        return [("python", line) for line in content.splitlines() if line.startswith(("import ", "import\t"))][:16]
    if name == "package.json":
        scripts = json_object(content).get("scripts")
        return [("shell", v) for v in scripts.values() if isinstance(v, str)][:32] if isinstance(scripts, dict) else []
    if name == "tasks.json" and ".vscode" in parts:
        tasks = json_object(content).get("tasks")
        return [("shell", " ".join([str(t.get("command", "")), *map(str, t.get("args") or [])]))
                for t in tasks or [] if isinstance(t, dict) and isinstance(t.get("runOptions"), dict)
                and t["runOptions"].get("runOn") == "folderOpen"][:16] if isinstance(tasks, list) else []
    if (".git" in parts and "hooks" in parts) or ".husky" in parts or name == ".envrc":
        return [("shell", content)]
    if "node_modules" in parts and name.endswith((".js", ".cjs", ".mjs")):
        return [("javascript", content)]
    return []


def json_object(content: str) -> dict[str, object]:
    """A JSON object, tolerating the `//` comments editors allow; {} for anything else."""
    text = "\n".join(line for line in content.splitlines() if not line.lstrip().startswith("//"))
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
