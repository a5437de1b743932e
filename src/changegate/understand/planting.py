"""Places where a written file changes what runs later, and the code in it — ONE table (`PLACES`).

A write there is code: git hooks (also under a differently-cased `.GIT/hooks`, the same directory on a
case-insensitive filesystem), the conventional `core.hooksPath` directories, husky hooks, a direnv `.envrc`,
an editor task that runs when the folder opens, a `.pth` file (every Python start runs its import lines), CI
workflows, crontabs, user and system service units, shell start-up files, package.json scripts, a Makefile,
code under node_modules. Every entry says what its content is (`language`) and when a change to it is asked
about whatever it holds (`asks`): always (it changes what runs outside this task), outside the workspace
(CI), or never (the project's own files: only their content counts, and harmless content is ordinary work).
Entries with the language `none` change what runs or who gets in without holding code the gate reads (SSH
access, sudo rules, an agent's own settings).

`code_in(path, content)` gives the code a written file will run, as (language, code) pairs the walker judges
now, as what it is: shell lines as a script, Python as `python3 -c`, JavaScript as `node -e`.
`place_of(path, home)` gives the entry a path falls under (see sensitive.persistence_kind).
"""

from __future__ import annotations

import json
import posixpath
import re
from functools import lru_cache

import msgspec

from changegate.understand.pathtable import PathTable, home_probe

Planted = list[tuple[str, str]]  # (language: shell | python | javascript, code)
MAX_PLANTED = 32  # pieces of code taken from one file
MAX_DOCUMENT = 256 * 1024  # a YAML or JSON document parsed for the code it holds


class Place(msgspec.Struct, frozen=True):
    pattern: str  # over the absolute path; `~/` is any home directory, `.*/` anywhere
    what: str  # what writing there changes, in words
    language: str  # how its content runs: shell, python-pth, package-scripts, vscode-tasks, make, ci, crontab,
    #                systemd, desktop, javascript, none (no code the gate reads)
    # when a write there is asked about whatever it holds: "always" (it changes what runs outside this task),
    # "outside-workspace" (CI: the project's own in the workspace, reviewed like any change), "never" (only
    # its content counts: package.json, a Makefile, husky hooks, .envrc)
    asks: str = "always"
    ignore_case: bool = False  # `.GIT/hooks` is `.git/hooks` on a case-insensitive filesystem


GIT_HOOK = "a git hook or repository configuration"
CI_CONFIGURATION = "CI configuration"
PLACES: tuple[Place, ...] = (
    # shells
    Place(r"~/\.(bashrc|bash_profile|bash_login|bash_logout|profile|zshrc|zshenv|zprofile|zlogin|zlogout|kshrc|"
          r"mkshrc|cshrc|tcshrc|login)|~/\.config/fish/.*|~/\.config/nushell/.*", "a shell start-up file", "shell"),
    Place(r"~/\.inputrc", "a shell start-up file", "none"),
    Place(r"/etc/(profile|bash\.bashrc|zsh/.*|profile\.d/.*|zshenv|zprofile|zshrc|environment)",
          "a system shell start-up file", "shell"),
    Place(r"~/\.ssh/rc|/etc/ssh/sshrc", "SSH login commands", "shell"),
    # git: hooks (any case), the conventional hooksPath directories, and the configuration that names programs
    Place(r".*/\.git/hooks/.*", GIT_HOOK, "shell", ignore_case=True),
    Place(r".*/\.git/(config|info/attributes)", GIT_HOOK, "none", ignore_case=True),
    Place(r".*/\.githooks/[^/]+|.*/\.git-hooks/[^/]+", "a git hook (a core.hooksPath directory)", "shell",
          asks="never"),
    Place(r".*/\.husky/(?!_/)[^/]+", "a husky git hook", "shell", asks="never"),
    Place(r".*/\.envrc|.*/\.env\.rc", "a direnv file (runs when a shell enters the directory)", "shell",
          asks="never"),
    Place(r".*/\.vscode/tasks\.json", "an editor task", "vscode-tasks", asks="never"),
    Place(r".*/site-packages/[^/]+\.pth|.*/dist-packages/[^/]+\.pth", "a .pth file (Python runs it at start-up)",
          "python-pth", asks="never"),
    Place(r".*/site-packages/(sitecustomize|usercustomize)\.py", "Python start-up code", "python",
          asks="never"),
    Place(r".*/package\.json", "package scripts", "package-scripts", asks="never"),
    Place(r".*/(Makefile|makefile|GNUmakefile)", "a Makefile", "make", asks="never"),
    Place(r".*/node_modules/.*\.(js|cjs|mjs)", "code under node_modules", "javascript", asks="never"),
    # CI: the project's own in the workspace (reviewed like any change), its content judged
    Place(r".*/\.github/workflows/.*|.*/\.gitlab-ci\.yml|.*/\.circleci/.*|.*/Jenkinsfile|.*/azure-pipelines\.yml|"
          r".*/\.buildkite/.*|.*/bitbucket-pipelines\.yml|.*/\.drone\.yml|.*/\.woodpecker/.*", CI_CONFIGURATION, "ci",
          asks="outside-workspace"),
    # schedulers and services
    Place(r"/etc/crontab|/etc/cron\.d/.*", "a scheduled job", "crontab-system"),
    Place(r"/etc/cron\.(hourly|daily|weekly|monthly)/.*", "a scheduled job", "shell"),
    Place(r"/var/spool/cron/.*|/var/spool/cron/crontabs/.*|/usr/lib/cron/tabs/.*", "a scheduled job", "crontab"),
    Place(r"/etc/systemd/.*|~/\.config/systemd/.*|/lib/systemd/.*|/usr/lib/systemd/.*|/etc/init\.d/.*|"
          r"/etc/rc\.local", "a service definition", "systemd"),
    Place(r"~/Library/LaunchAgents/.*|/Library/Launch(Agents|Daemons)/.*", "a service definition", "none"),
    Place(r"~/\.config/autostart/.*\.desktop|/etc/xdg/autostart/.*\.desktop", "a program started at login", "desktop"),
    # who gets in, and how programs load: no code the gate reads, asked about
    Place(r"~/\.ssh/(authorized_keys2?|config)|/etc/ssh/.*", "SSH access configuration", "none"),
    Place(r"/etc/(sudoers|sudoers\.d/.*|passwd|group|shadow|pam\.d/.*|security/.*)", "system accounts or sudo rules",
          "none"),
    Place(r"/etc/(hosts|resolv\.conf|ld\.so\.preload|ld\.so\.conf.*)", "system name resolution or loading", "none"),
    # agents: their settings switch their guard off, their tool servers and hooks run commands
    Place(r"~/\.(claude|cursor|codex|gemini|kiro)(/.*)?|.*/\.(claude|cursor|gemini|kiro|codex)|"
          r".*/\.(claude|cursor|gemini|kiro)/(settings|hooks).*", "an agent's own settings (it could switch its guard off)",
          "none"),
    Place(r".*/\.mcp\.json|.*/\.(cursor|vscode|codex)/(mcp\.json|config\.toml|hooks\.json)|"
          r".*/\.kiro/(settings|agents|hooks)(/.*)?|.*/\.codex/.*",
          "an agent's tool servers or hooks (they run commands the agent can call)", "none"),
    Place(r"~/\.(gitconfig|npmrc|pypirc|docker/config\.json|kube/config|aws/.*)", "tool configuration with access",
          "none"),
)


@lru_cache(maxsize=1)
def _table() -> PathTable:
    """Compiled on first use: most commands never write a file."""
    return PathTable([(place.pattern, place.ignore_case) for place in PLACES])


def place_of(path: str, home: str | None = None) -> Place | None:
    """The entry of the table a path falls under, or None."""
    row = _table().first_row(home_probe(path, home))
    return PLACES[row] if row is not None else None


def code_in(path: str, content: str, home: str | None = None) -> Planted:
    """The code a file written at `path` will run, by its place's language."""
    place = place_of(path, home)
    name = posixpath.basename(path)
    language = place.language if place is not None else ""
    if not language and name.endswith(".pth"):
        language = "python-pth"  # a .pth anywhere Python may look (a venv's lib outside the usual names)
    reader = READERS.get(language)
    return reader(content)[:MAX_PLANTED] if reader is not None else []


# --- reading each kind of file ----------------------------------------------------------------------------

def whole_shell(content: str) -> Planted:
    return [("shell", content)] if content.strip() else []


def whole_python(content: str) -> Planted:
    return [("python", content)] if content.strip() else []


def whole_javascript(content: str) -> Planted:
    return [("javascript", content)] if content.strip() else []


def pth_lines(content: str) -> Planted:
    """Python runs the lines of a .pth that start with `import` (the rest are paths it adds)."""
    return [("python", line) for line in content.splitlines() if line.startswith(("import ", "import\t"))]


def package_scripts(content: str) -> Planted:
    scripts = json_object(content).get("scripts")
    return [("shell", v) for v in scripts.values() if isinstance(v, str)] if isinstance(scripts, dict) else []


def vscode_tasks(content: str) -> Planted:
    """Tasks that run when the folder opens (`runOptions.runOn: folderOpen`)."""
    tasks = json_object(content).get("tasks")
    if not isinstance(tasks, list):
        return []
    return [("shell", " ".join([str(t.get("command", "")), *map(str, t.get("args") or [])]))
            for t in tasks if isinstance(t, dict) and isinstance(t.get("runOptions"), dict)
            and t["runOptions"].get("runOn") == "folderOpen"]


MAKE_RECIPE = re.compile(r"^\t+[-@+]*\s*(?P<line>.+)$")


def make_recipes(content: str) -> Planted:
    """A Makefile's recipe lines (tab-indented), each a shell command make runs."""
    return [("shell", m["line"]) for line in content.splitlines() if (m := MAKE_RECIPE.match(line))]


CRON_SCHEDULE = re.compile(r"^\s*(?:@\w+\s+|(?:\S+\s+){5})(?P<command>.+)$")
CRON_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*=")


def crontab_lines(content: str, *, with_user: bool = False) -> Planted:
    """A crontab's commands: each line after its schedule (and, in /etc/crontab and /etc/cron.d, its user)."""
    out: Planted = []
    for line in content.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or CRON_VARIABLE.match(stripped):
            continue
        match = CRON_SCHEDULE.match(stripped)
        if match:
            command = match["command"].split(None, 1)[1] if with_user and " " in match["command"] else match["command"]
            out.append(("shell", command))
    return out


def system_crontab_lines(content: str) -> Planted:
    return crontab_lines(content, with_user=True)


SYSTEMD_EXEC = re.compile(r"^\s*(Exec(?:Start|StartPre|StartPost|Stop|StopPost|Reload|Condition))\s*=\s*[-@:+!]*"
                          r"(?P<command>.+)$")


def systemd_commands(content: str) -> Planted:
    """A unit's Exec*= lines (systemd runs them without a shell; as words they read the same). An init script
    or rc.local is a shell script."""
    found = [("shell", m["command"]) for line in content.splitlines() if (m := SYSTEMD_EXEC.match(line))]
    if not found and content.startswith("#!"):
        return whole_shell(content)
    return found


DESKTOP_EXEC = re.compile(r"^\s*Exec\s*=\s*(?P<command>.+)$")


def desktop_commands(content: str) -> Planted:
    return [("shell", m["command"]) for line in content.splitlines() if (m := DESKTOP_EXEC.match(line))]


CI_KEYS = frozenset({"run", "script", "before_script", "after_script", "command", "commands", "sh", "bash"})


def ci_commands(content: str) -> Planted:
    """The shell steps of a CI file (`run:`, `script:`, `commands:`); a Jenkinsfile's `sh '…'` lines."""
    if "pipeline" in content[:2000] and ("sh '" in content or 'sh "' in content):
        return [("shell", m.group(2)) for m in re.finditer(r"\bsh\s+(['\"])(.+?)\1", content)]
    try:
        import yaml  # only for a CI file, which few actions write

        document = yaml.safe_load(content[:MAX_DOCUMENT])
    except Exception:
        return []
    out: Planted = []
    stack: list[object] = [document]
    while stack and len(out) < MAX_PLANTED:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if str(key) in CI_KEYS and isinstance(value, str):
                    out.append(("shell", value))
                elif str(key) in CI_KEYS and isinstance(value, list):
                    out.extend(("shell", v) for v in value if isinstance(v, str))
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return out


READERS = {
    "shell": whole_shell, "python": whole_python, "javascript": whole_javascript, "python-pth": pth_lines,
    "package-scripts": package_scripts, "vscode-tasks": vscode_tasks, "make": make_recipes, "crontab": crontab_lines,
    "crontab-system": system_crontab_lines,
    "systemd": systemd_commands, "desktop": desktop_commands, "ci": ci_commands,
}


def json_object(content: str) -> dict[str, object]:
    """A JSON object, tolerating the `//` comments editors allow; {} for anything else."""
    text = "\n".join(line for line in content.splitlines() if not line.lstrip().startswith("//"))
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
