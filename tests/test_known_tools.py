"""Tools added to the tables so ordinary work is understood, each beside the phrasing that must not pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shell


@pytest.mark.parametrize("command", [
    "java -version",
    "java -jar build/app.jar",
    "openssl version",
    "openssl rand -hex 16",
    "openssl req -new -x509 -keyout key.pem -out cert.pem -days 30 -nodes -subj /CN=localhost",
    "vite build",
    "webpack --config webpack.prod.js",
    "rspec spec/models",
    "bundle exec rspec",
    "gzcat large.csv.gz | split -l 1000 - part-",
    "zegrep -n error logs/*.gz",
    "cat main.cpp | astyle -bj | cpp - | md5sum",
    "clang-format -i src/main.c",
    "a=$(date +%s) > build/stamp",
    "find . -name '*.gz' | parallel gunzip {}",
    "echo 'a b' | parallel -q echo {}",
], ids=str)
def test_ordinary_work_is_allowed(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "allow", verdict.reasons


@pytest.mark.parametrize(("command", "decision"), [
    ("java -jar /tmp/tool.jar", "ask"),  # a jar from outside the project cannot be read
    ("java -javaagent:/tmp/agent.jar -jar build/app.jar", "ask"),
    ("openssl rsa -in ~/.ssh/id_rsa -text", "ask"),  # a private key into the agent's context
    ("openssl engine dynamic -pre SO_PATH:/tmp/x.so", "ask"),  # not a command it knows
    ("openssl req -new -x509 -keyout /etc/ssl/private/k.pem -out c.pem -nodes -subj /CN=x", "ask"),
    ("webpack --config /tmp/evil.js", "ask"),  # a JavaScript config from elsewhere is code from elsewhere
    ("eslint -c /tmp/x.mjs src", "ask"),
    ("clang-format -i /etc/hosts", "ask"),
    ("a=$(rm -rf ~) > build/stamp", "deny"),  # the substitution still runs
    ("a=1 > /etc/passwd", "deny"),
    ("echo 'rm -rf /' | parallel bash -c {}", "deny"),  # parallel runs each input line as bash's script
    ("find ~ -type f | parallel rm", "deny"),
], ids=str)
def test_the_dangerous_phrasing_is_not_allowed(command: str, decision: str) -> None:
    verdict = shell(command)
    assert verdict.decision == decision, verdict.reasons


def test_parallel_joins_words_unquoted_so_a_quoted_script_gets_no_input() -> None:
    # `parallel bash -c 'rm -rf {}'` runs `bash -c rm -rf /`: rm with $0=-rf and no operands
    verdict = shell("echo / | parallel bash -c 'rm -rf {}'")
    assert verdict.decision == "allow", verdict.reasons


def test_project_modules_in_the_src_layout_are_read(tmp_path: Path) -> None:
    """`python -c "from shop.pricing import total; …"` imports the project's own module from src/ (an
    editable install): it is read and judged as the code it is."""
    home = tmp_path / "home"
    workspace = home / "app"
    (workspace / "src" / "shop").mkdir(parents=True)
    (workspace / "src" / "shop" / "__init__.py").write_text("")
    (workspace / "src" / "shop" / "pricing.py").write_text("def total(p):\n    return round(sum(p), 2)\n")
    (workspace / "src" / "shop" / "wipe.py").write_text(
        "import os, shutil\n\ndef go():\n    shutil.rmtree(os.path.expanduser('~'))\n")
    env = {"HOME": str(home)}
    harmless = shell('python3 -c "from shop.pricing import total; print(total([1, 2]))"', cwd=str(workspace),
                     env=env)
    assert harmless.decision == "allow", harmless.reasons
    dangerous = shell('python3 -c "from shop.wipe import go; go()"', cwd=str(workspace), env=env)
    assert dangerous.decision == "deny", dangerous.reasons


@pytest.mark.parametrize(("command", "decision"), [
    ("rimraf dist coverage", "allow"),
    ("rimraf ~", "deny"),
    ("shx rm -rf dist", "allow"),
    ("shx rm -rf /", "deny"),
    ("shx exec 'rm -rf ~'", "ask"),  # not a ShellJS command
    ("cross-env NODE_ENV=production webpack", "allow"),
    ("cross-env FOO=1 rm -rf ~", "deny"),
    ("cross-env-shell 'echo $FOO && rm -rf ~'", "deny"),
    ("mkdirp out/a", "allow"),
    ("copyfiles -u 1 'src/**/*.html' dist", "allow"),
    ("ncp src /etc/x", "ask"),
    ("concurrently 'rm -rf ~' 'vite'", "deny"),
], ids=str)
def test_package_script_tools_are_the_commands_they_stand_for(command: str, decision: str) -> None:
    verdict = shell(command)
    assert verdict.decision == decision, verdict.reasons


@pytest.mark.parametrize(("command", "decision"), [
    ("coverage run -m pytest -q", "allow"),
    ("coverage report -m", "allow"),
    ("coverage run /tmp/elsewhere.py", "ask"),  # a script that cannot be read is not the project's tests
    ("uvicorn shop.app:app --reload", "allow"),
    ("flask --app shop.app run", "allow"),
    ("flask --app shop.app db upgrade", "ask"),
    ("kind create cluster --name dev", "allow"),
    ("minikube status", "allow"),
    ("kustomize build k8s/", "allow"),
    ("trivy fs .", "allow"),
    ("mkdocs build", "allow"),
    ("mkdocs gh-deploy", "ask"),  # publishes the site
    ("grpcurl -plaintext localhost:50051 list", "allow"),
    ("grpcurl -d '{}' api.prod.internal:443 shop.Admin/DropAll", "ask"),
    ("tsx -e 'require(\"fs\").rmSync(process.env.HOME, {recursive: true})'", "deny"),
], ids=str)
def test_everyday_development_tools(command: str, decision: str) -> None:
    verdict = shell(command)
    assert verdict.decision == decision, verdict.reasons


@pytest.mark.parametrize(("command", "decision"), [
    ("kubectl --context kind-dev get secret shop-env -o jsonpath='{.data}' | jq keys", "allow"),  # names only
    ("kubectl --context kind-dev get secret shop-env -o json | jq '.data'", "ask"),  # the values
    ("kubectl --context kind-dev get secret shop-env -o json | jq -r '.data | keys[]'", "ask"),  # not keys alone
    ("docker pull postgres:16", "allow"),
    ("docker -H ssh://prod-host pull postgres:16", "ask"),
    ("terraform graph | dot -Tpng > graph.png", "allow"),
], ids=str)
def test_secret_names_and_everyday_docker(command: str, decision: str) -> None:
    verdict = shell(command)
    assert verdict.decision == decision, verdict.reasons


@pytest.mark.parametrize(("command", "decision"), [
    ("skaffold dev --kube-context kind-dev", "allow"),  # a cluster on this machine
    ("skaffold run --kube-context prod", "ask"),
    ("skaffold build", "allow"),
    ("tilt down --context prod", "ask"),
    ("skaffold teleport", "ask"),  # not a command it knows
], ids=str)
def test_inner_loop_tools_deploy_where_the_context_points(command: str, decision: str) -> None:
    verdict = shell(command)
    assert verdict.decision == decision, verdict.reasons
