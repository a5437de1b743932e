"""Paths whose reading exposes secrets, and paths whose writing changes what runs later.

Shared by every family that reads or writes files (cat, cp, curl -T, redirections, file_write actions), so
that "what is a credential file" is answered in one place.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

from changegate.understand.pathtable import PathTable, home_probe
from changegate.understand.planting import place_of

# ONE table of where credentials live, by tool: (tool, pattern over the absolute path, what it holds); `~`
# stands for any home directory. Reading any of these brings a credential into the agent's context; serving,
# copying or uploading them sends it off the machine. A tool's entry names every file it keeps logins in.
CREDENTIAL_LOCATIONS: tuple[tuple[str, str, str], ...] = (
    # agent CLIs: their own logins (an agent reading another's token can act as it)
    ("claude", r"~/\.claude/\.credentials\.json|~/\.claude\.json|~/\.config/claude/.*credentials.*",
     "Claude Code's login"),
    ("codex", r"~/\.codex/auth\.json", "Codex's login"),
    ("gemini", r"~/\.gemini/(oauth_creds|google_accounts|mcp-oauth-tokens.*)\.json|~/\.gemini/\.env",
     "Gemini CLI's login"),
    ("copilot", r"~/\.config/github-copilot/(hosts|apps)\.json|~/\.copilot/.*token.*", "GitHub Copilot's login"),
    ("cursor", r"~/\.cursor/(auth|cli-config)\.json|~/\.config/cursor/auth\.json", "Cursor's login"),
    ("opencode", r"~/\.local/share/opencode/auth\.json", "opencode's provider keys"),
    ("amp", r"~/\.local/share/amp/secrets\.json|~/\.config/amp/secrets.*", "Amp's login"),
    ("aider", r"~/\.aider\.conf\.ya?ml|~/\.aider/.*\.env", "aider's API keys"),
    ("goose", r"~/\.config/goose/secrets\.ya?ml", "goose's API keys"),
    ("kiro", r"~/\.aws/sso/cache/.*|~/\.kiro/.*token.*", "Kiro's AWS login"),
    ("qwen", r"~/\.qwen/oauth_creds\.json", "Qwen Code's login"),
    # version control and forges
    ("git", r"~/\.git-credentials|~/\.config/git/credentials", "git's stored passwords"),
    ("netrc", r"~/\.(netrc|_netrc)", "logins for any host (netrc)"),
    ("gh", r"~/\.config/gh/hosts\.ya?ml", "the GitHub CLI's token"),
    ("glab", r"~/\.config/glab-cli/config\.ya?ml", "the GitLab CLI's token"),
    ("hub", r"~/\.config/hub", "hub's GitHub token"),
    # cloud CLIs
    ("aws", r"~/\.aws/(credentials|config|sso/cache/.*|cli/cache/.*)", "AWS credentials"),
    ("gcloud", r"~/\.config/gcloud/.*", "Google Cloud credentials"),
    ("az", r"~/\.azure/.*", "Azure credentials"),
    ("oci", r"~/\.oci/.*", "Oracle Cloud credentials"),
    ("doctl", r"~/\.config/doctl/.*", "DigitalOcean credentials"),
    ("hcloud", r"~/\.config/hcloud/cli\.toml", "Hetzner Cloud token"),
    ("linode", r"~/\.config/linode-cli", "Linode token"),
    ("heroku", r"~/\.config/heroku/.*|~/\.heroku/.*", "Heroku credentials"),
    ("fly", r"~/\.fly/config\.ya?ml", "Fly.io token"),
    ("vercel", r"~/\.vercel/auth\.json|~/\.local/share/com\.vercel\.cli/auth\.json|"
               r"~/Library/Application Support/com\.vercel\.cli/auth\.json", "Vercel token"),
    ("netlify", r"~/\.netlify/config\.json|~/\.config/netlify/config\.json", "Netlify token"),
    ("wrangler", r"~/\.wrangler/config/.*|~/\.config/\.wrangler/config/.*", "Cloudflare token"),
    ("firebase", r"~/\.config/configstore/firebase-tools\.json", "Firebase login"),
    ("kubectl", r"~/\.kube/config|~/\.kube/.*\.(ya?ml|conf)", "a kubeconfig with cluster credentials"),
    ("terraform", r"~/\.terraform\.d/.*|~/\.terraformrc|~/\.config/terraform/.*", "Terraform Cloud credentials"),
    ("pulumi", r"~/\.pulumi/credentials\.json", "Pulumi credentials"),
    ("vault", r"~/\.vault-token", "a Vault token"),
    ("rclone", r"~/\.config/rclone/rclone\.conf", "rclone's storage credentials"),
    ("s3cmd", r"~/\.s3cfg|~/\.boto|~/\.config/minio/.*|~/\.mc/config\.json", "object storage credentials"),
    ("1password", r"~/\.config/op/.*|~/\.op/.*", "1Password CLI session"),
    ("ansible", r"~/\.ansible/.*|~/\.vault_pass(\.txt)?", "Ansible vault passwords"),
    # registries and build tools
    ("npm", r"~/\.npmrc|~/\.yarnrc(\.yml)?|~/\.config/yarn/.*|~/\.bunfig\.toml", "npm or yarn registry tokens"),
    ("pip", r"~/\.pypirc|~/\.config/pip/pip\.conf|~/\.pip/pip\.conf|~/\.config/pypoetry/auth\.toml",
     "Python package index credentials"),
    ("maven", r"~/\.m2/(settings|settings-security)\.xml", "Maven repository credentials"),
    ("gradle", r"~/\.gradle/gradle\.properties", "Gradle repository credentials"),
    ("cargo", r"~/\.cargo/credentials(\.toml)?", "crates.io token"),
    ("gem", r"~/\.gem/credentials|~/\.local/share/gem/credentials|~/\.bundle/config", "RubyGems credentials"),
    ("nuget", r"~/\.nuget/NuGet/NuGet\.Config|~/\.config/NuGet/NuGet\.Config", "NuGet feed credentials"),
    ("docker", r"~/\.docker/config\.json|~/\.dockercfg|~/\.config/containers/auth\.json|"
               r"/run/user/\d+/containers/auth\.json", "container registry credentials"),
    ("composer", r"~/\.composer/auth\.json|~/\.config/composer/auth\.json", "Composer credentials"),
    ("go", r"~/\.config/go/env", "Go proxy credentials"),
    ("helm", r"~/\.config/helm/registry/config\.json|~/\.config/helm/repositories\.yaml",
     "Helm registry credentials"),
    # databases
    ("psql", r"~/\.pgpass|~/\.pg_service\.conf", "PostgreSQL passwords"),
    ("mysql", r"~/\.my\.cnf|~/\.mylogin\.cnf", "MySQL passwords"),
    ("mongosh", r"~/\.mongoshrc(\.js)?|~/\.dbshell|~/\.mongodb/mongosh/.*", "MongoDB shell history or logins"),
    ("redis", r"~/\.rediscli_history|~/\.redisclirc", "redis-cli history (passwords typed with AUTH)"),
    # keys and stores
    ("ssh", r"~/\.ssh/(?!.*\.pub$)(?!known_hosts)(?!config$)(?!authorized_keys)[^/]+", "an SSH private key or agent file"),
    ("gpg", r"~/\.(gnupg|password-store)/.*", "a credential store"),
    ("shell", r"~/\.(bash|zsh|python|psql|mysql|node_repl|sqlite)_history|~/\.history|~/\.local/share/fish/fish_history",
     "a shell history"),
    # the machine
    ("system", r"/etc/(shadow|gshadow|shadow-|gshadow-|master\.passwd|sudoers|sudoers\.d/.*|security/opasswd)",
     "the system's password or sudo database"),
    ("sshd", r"/etc/ssh/ssh_host_[^/]*_key", "an SSH host private key"),
    # readable by everyone, but an agent has no coding reason to read them: account and login reconnaissance
    ("system", r"/etc/(passwd|passwd-|group|group-|login\.defs|security/.*|pam\.d/.*)|/var/lib/pam/.*|"
               r"/var/log/(auth\.log|secure|btmp|wtmp|lastlog|faillog)(\.\d+)?",
     "the system's accounts or login configuration"),
    ("tls", r"/etc/(ssl|pki)/private/.*", "TLS private keys"),
    ("containers", r"/var/run/secrets/.*|/run/secrets/.*", "mounted secrets"),
    ("proc", r"/proc/[^/]+/environ", "a process environment"),
    ("root", r"/root/.*", "the root user's files"),
)
_SECRET_PATTERNS: tuple[tuple[str, str], ...] = tuple((pattern, what) for _, pattern, what in CREDENTIAL_LOCATIONS)
# directories of the home that hold nothing but credentials: serving, copying or uploading one sends them all
CREDENTIAL_DIRECTORIES = (".ssh", ".aws", ".kube", ".docker", ".gnupg", ".azure", ".config/gcloud", ".config/gh",
                          ".password-store", ".terraform.d", ".config/op", ".vault-token", ".netrc", ".oci",
                          ".pulumi", ".claude", ".codex", ".gemini", ".config/github-copilot", ".m2", ".cargo",
                          ".gem", ".nuget", ".composer", ".config/composer", ".git-credentials", ".pgpass",
                          ".my.cnf", ".npmrc", ".pypirc", ".config/rclone", ".config/doctl", ".fly", ".vercel",
                          ".netlify", ".config/heroku", ".ansible")


_SECRET_NAMES: tuple[tuple[str, str], ...] = (
    (r"\.env(\.(?!example$|sample$|template$|dist$|defaults$)[\w.-]+)?", "an environment file with secrets"),
    (r".*\.(pem|key|p12|pfx|jks|keystore|kdbx|ppk|asc|gpg)", "a key or keystore"),
    (r"id_(rsa|dsa|ecdsa|ed25519)(_sk)?", "an SSH private key"),
    (r"(credentials|secrets?)(\.(json|ya?ml|toml|ini|txt|env))?", "a credentials file"),
    (r"(service[-_]?account|client[-_]?secret)[\w.-]*\.json", "a cloud service-account key"),
    (r"terraform\.tfstate(\.backup)?", "terraform state (holds every secret it manages)"),
    (r"\.htpasswd|wp-config\.php|master\.key|credentials\.yml\.enc", "a credentials file"),
)
@lru_cache(maxsize=1)
def _tables() -> tuple[PathTable, PathTable]:
    """Compiled on first use: most commands never ask, and compiling costs start-up time."""
    return (PathTable([(pattern, False) for pattern, _ in _SECRET_PATTERNS]),
            PathTable([(pattern, True) for pattern, _ in _SECRET_NAMES]))


def secret_kind(path: str, home: str | None = None) -> str | None:
    """What secret a path holds, or None."""
    locations, names = _tables()
    row = locations.first_row(home_probe(path, home))
    if row is not None:
        return _SECRET_PATTERNS[row][1]
    row = names.first_row(posixpath.basename(path))
    return _SECRET_NAMES[row][1] if row is not None else None


def persistence_concern(path: str, home: str | None, workspace: str | None) -> str | None:
    """What changing or deleting this path would change outside the task — the thing a write, a delete or
    a move must be asked about, by the one table of places that run later (planting.PLACES). CI
    configuration inside the workspace is ordinary work (it is reviewed like any other change); the project's
    own package scripts, Makefile or husky hooks are judged by what they hold, not asked about as such."""
    place = place_of(path, home)
    if place is None or place.asks == "never":
        return None
    if place.asks == "outside-workspace" and workspace and (path == workspace or path.startswith(workspace + "/")):
        return None
    return place.what


def persistence_kind(path: str, home: str | None = None) -> str | None:
    """What writing this path would change outside the task, or None (wherever it is)."""
    place = place_of(path, home)
    return place.what if place is not None and place.asks != "never" else None


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
# a header whose value authenticates (`Authorization: Bearer …`, `Cookie: …`, `X-Api-Key: …`), as one word
SECRET_HEADER = re.compile(r"(?i)^\s*(?:proxy-)?(?:authorization|cookie|x-[\w-]*(?:key|token|secret|auth)[\w-]*|"
                           r"[\w-]*(?:api[-_]?key|token|secret)[\w-]*)\s*:=?\s*(?P<value>\S.*)$")
MIN_TOKEN_CHARS = 16  # shorter values are never one of the token shapes


def looks_like_credential(value: str) -> bool:
    """Whether a value is shaped like a credential (a token, a private key, an `Authorization:` header),
    whatever holds it."""
    return len(value) >= MIN_TOKEN_CHARS and (SECRET_HEADER.match(value) is not None
                                              or _any_token().search(value[:MAX_SCANNED_TEXT]) is not None)


@lru_cache(maxsize=1)
def _any_token() -> re.Pattern[str]:
    """Every token shape in one pattern, one pass (compiled on first use)."""
    return re.compile("|".join(f"(?:{p})" for p, _, _ in _TOKEN_SHAPES))
MAX_SCANNED_TEXT = 1024 * 1024


def token_in_text(text: str) -> tuple[str, str] | None:
    """The first credential recognisable by its shape in `text`, as (what it is, its service), or None."""
    sample = text[:MAX_SCANNED_TEXT]
    for regex, what, service in _TOKENS:
        if regex.search(sample):
            return what, service
    return None
