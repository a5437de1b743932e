"""Paths whose reading exposes secrets, and paths whose writing changes what runs later.

Shared by every family that reads or writes files (cat, cp, curl -T, redirections, file_write actions), so
that "what is a credential file" is answered in one place.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

# (pattern over the absolute path, what it holds); `~` stands for any home directory
_SECRET_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"~/\.ssh/(?!.*\.pub$)(?!known_hosts)(?!config$)(?!authorized_keys)[^/]+", "an SSH private key or agent file"),
    (r"~/\.aws/(credentials|config|sso/cache/.*|cli/cache/.*)", "AWS credentials"),
    (r"~/\.kube/config|~/\.kube/.*\.(ya?ml|conf)", "a kubeconfig with cluster credentials"),
    (r"~/\.docker/config\.json", "Docker registry credentials"),
    (r"~/\.(netrc|_netrc|pgpass|my\.cnf|git-credentials|npmrc|pypirc|vault-token|boto|s3cfg|dockercfg)",
     "a credentials file"),
    (r"~/\.config/(gh/hosts\.yml|gcloud/.*|hub|git/credentials|rclone/rclone\.conf|doctl/.*|op/.*)",
     "CLI credentials"),
    (r"~/\.(azure|gnupg|password-store|terraform\.d|ansible)/.*", "a credential store"),
    (r"~/\.(bash|zsh|python|psql|mysql|node_repl|sqlite)_history|~/\.history", "a shell history"),
    (r"/etc/(shadow|gshadow|shadow-|gshadow-|master\.passwd|sudoers|sudoers\.d/.*|security/opasswd)",
     "the system's password or sudo database"),
    (r"/etc/ssh/ssh_host_[^/]*_key", "an SSH host private key"),
    # readable by everyone, but an agent has no coding reason to read them: account and login reconnaissance
    (r"/etc/(passwd|passwd-|group|group-|login\.defs|security/.*|pam\.d/.*)|/var/lib/pam/.*|"
     r"/var/log/(auth\.log|secure|btmp|wtmp|lastlog|faillog)(\.\d+)?", "the system's accounts or login configuration"),
    (r"/etc/(ssl|pki)/private/.*", "TLS private keys"),
    (r"/var/run/secrets/.*|/run/secrets/.*", "mounted secrets"),
    (r"/proc/[^/]+/environ", "a process environment"),
    (r"/root/.*", "the root user's files"),
)
_SECRET_NAMES: tuple[tuple[str, str], ...] = (
    (r"\.env(\.(?!example$|sample$|template$|dist$|defaults$)[\w.-]+)?", "an environment file with secrets"),
    (r".*\.(pem|key|p12|pfx|jks|keystore|kdbx|ppk|asc|gpg)", "a key or keystore"),
    (r"id_(rsa|dsa|ecdsa|ed25519)(_sk)?", "an SSH private key"),
    (r"(credentials|secrets?)(\.(json|ya?ml|toml|ini|txt|env))?", "a credentials file"),
    (r"(service[-_]?account|client[-_]?secret)[\w.-]*\.json", "a cloud service-account key"),
    (r"terraform\.tfstate(\.backup)?", "terraform state (holds every secret it manages)"),
    (r"\.htpasswd|wp-config\.php|master\.key|credentials\.yml\.enc", "a credentials file"),
)
# Writing these changes what runs later, outside the task: shells, hooks, schedulers, CI, auth.
_PERSISTENCE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"~/\.(bashrc|bash_profile|bash_login|bash_logout|profile|zshrc|zshenv|zprofile|zlogin|kshrc|cshrc|"
     r"tcshrc|inputrc)|~/\.config/fish/.*", "a shell start-up file"),
    (r"/etc/(profile|bash\.bashrc|zsh/.*|profile\.d/.*|environment)", "a system shell start-up file"),
    (r"~/\.ssh/(authorized_keys2?|config)|/etc/ssh/.*", "SSH access configuration"),
    (r".*/\.git/hooks/.*|.*/\.git/config", "a git hook or repository configuration"),
    (r".*/\.(github/workflows|gitlab-ci\.yml|circleci)/?.*|.*/\.gitlab-ci\.yml|.*/Jenkinsfile|"
     r".*/azure-pipelines\.yml|.*/\.buildkite/.*|.*/bitbucket-pipelines\.yml", "CI configuration"),
    (r"/etc/(cron\.[a-z]+/.*|crontab)|/var/spool/cron/.*", "a scheduled job"),
    (r"/etc/(sudoers|sudoers\.d/.*|passwd|group|shadow|pam\.d/.*|security/.*)", "system accounts or sudo rules"),
    (r"/etc/systemd/.*|~/\.config/systemd/.*|/lib/systemd/.*|/etc/init\.d/.*|~/Library/LaunchAgents/.*|"
     r"/Library/Launch(Agents|Daemons)/.*", "a service definition"),
    (r"/etc/(hosts|resolv\.conf|ld\.so\.preload|ld\.so\.conf.*)", "system name resolution or loading"),
    (r"~/\.(claude|cursor|codex|gemini|kiro)(/.*)?|.*/\.(claude|cursor|gemini|kiro|codex)|"
     r".*/\.(claude|cursor|gemini|kiro)/(settings|hooks).*",
     "an agent's own settings (it could switch its guard off)"),
    (r".*/\.mcp\.json|.*/\.(cursor|vscode|codex)/(mcp\.json|config\.toml|hooks\.json)|"
     r".*/\.kiro/(settings|agents|hooks)(/.*)?|.*/\.codex/.*",
     "an agent's tool servers or hooks (they run commands the agent can call)"),
    (r"~/\.(gitconfig|npmrc|pypirc|docker/config\.json|kube/config|aws/.*)", "tool configuration with access"),
)


def _compile(patterns: tuple[tuple[str, str], ...]) -> list[tuple[re.Pattern[str], str]]:
    out = []
    for pattern, what in patterns:
        body = pattern.replace("~/", r"(?:/home/[^/]+|/root|/Users/[^/]+)/")
        out.append((re.compile(f"(?:{body})\\Z"), what))
    return out


@lru_cache(maxsize=1)
def _tables() -> tuple[list[tuple[re.Pattern[str], str]], list[tuple[re.Pattern[str], str]],
                       list[tuple[re.Pattern[str], str]]]:
    """Compiled on first use: most commands never ask, and compiling costs start-up time."""
    basenames = [(re.compile(f"(?:{p})\\Z", re.IGNORECASE), what) for p, what in _SECRET_NAMES]
    return _compile(_SECRET_PATTERNS), basenames, _compile(_PERSISTENCE_PATTERNS)


def _with_home(path: str, home: str | None) -> str:
    # a home outside /home (e.g. /Users/x or /var/lib/x) is mapped onto the pattern's spelling
    if home and home not in ("/", "/root") and (path == home or path.startswith(home + "/")):
        return "/home/_" + path[len(home):]
    return path


def secret_kind(path: str, home: str | None = None) -> str | None:
    """What secret a path holds, or None."""
    secrets, basenames, _ = _tables()
    probe = _with_home(path, home)
    for regex, what in secrets:
        if regex.match(probe):
            return what
    base = posixpath.basename(path)
    for regex, what in basenames:
        if regex.match(base):
            return what
    return None


CI_CONFIGURATION = "CI configuration"


def persistence_concern(path: str, home: str | None, workspace: str | None) -> str | None:
    """What changing or deleting this path would change outside the task — the thing a write, a delete or
    a move must be asked about. CI configuration inside the workspace is ordinary work (it is reviewed
    like any other change); everywhere else it counts."""
    what = persistence_kind(path, home)
    if what == CI_CONFIGURATION and workspace and (path == workspace or path.startswith(workspace + "/")):
        return None
    return what


def persistence_kind(path: str, home: str | None = None) -> str | None:
    """What writing this path would change outside the task, or None."""
    probe = _with_home(path, home)
    for regex, what in _tables()[2]:
        if regex.match(probe):
            return what
    return None


SECRET_VARIABLE = re.compile(
    r"(?i)^(?!.*(_URL_?PATH|_FILE|_PATH|_DIR|_ID|_REGION|_USER(NAME)?|_NAME)$).*"
    r"(secret|token|passw(or)?d|passwd|api_?key|access_?key|private_?key|credential|auth|session_?key|"
    r"signing_?key|client_?secret|webhook|database_url|dsn|conn(ection)?_?str)"
)


def is_secret_variable(name: str) -> bool:
    """Whether printing this variable would expose a secret (`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`)."""
    return SECRET_VARIABLE.match(name) is not None


# Credentials recognisable by their shape, whatever file or variable holds them: (pattern, what, service).
# The service is a word its own hosts carry (a GitHub token sent to github.com is used, not leaked).
_TOKEN_SHAPES: tuple[tuple[str, str, str], ...] = (
    (r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----", "a private key", ""),
    (r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})", "a GitHub token", "github"),
    (r"\bglpat-[A-Za-z0-9_-]{20,}", "a GitLab token", "gitlab"),
    (r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", "an AWS access key", "amazonaws"),
    (r"\bxox[abposr]-[A-Za-z0-9-]{10,}", "a Slack token", "slack"),
    (r"\b[sr]k_live_[0-9A-Za-z]{20,}", "a Stripe live key", "stripe"),
    (r"\bsk-ant-[A-Za-z0-9_-]{20,}", "an Anthropic API key", "anthropic"),
    (r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}", "an OpenAI API key", "openai"),
    (r"\bAIza[0-9A-Za-z_-]{35}\b", "a Google API key", "googleapis"),
    (r"\bnpm_[A-Za-z0-9]{36}\b", "an npm token", "npmjs"),
    (r"\bpypi-[A-Za-z0-9_-]{50,}", "a PyPI token", "pypi"),
    (r"\bhf_[A-Za-z0-9]{30,}\b", "a Hugging Face token", "huggingface"),
)
_TOKENS = [(re.compile(p), what, service) for p, what, service in _TOKEN_SHAPES]
MAX_SCANNED_TEXT = 1024 * 1024


def token_in_text(text: str) -> tuple[str, str] | None:
    """The first credential recognisable by its shape in `text`, as (what it is, its service), or None."""
    sample = text[:MAX_SCANNED_TEXT]
    for regex, what, service in _TOKENS:
        if regex.search(sample):
            return what, service
    return None
