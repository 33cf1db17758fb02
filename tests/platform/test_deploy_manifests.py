"""The deployment files agree with the code and with each other.

docker-compose.yml, the Dockerfiles and deploy/k8s/*.yaml are parsed here, never run:
no Docker engine (`docker compose config` is not needed) and no cluster. What can run
without them does: the healthcheck one-liners against a local HTTP server, and the
topic-creation script against a stand-in for kafka-topics.sh that records its calls.
"""

from __future__ import annotations

import fnmatch
import functools
import glob
import http.server
import importlib
import os
import re
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from plumbing import topics
from plumbing.settings import ENV_NAMES, Environment, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
NAMESPACE = "studio"

# Each service's port on a developer machine (its Settings default, gateway/compose.mjs);
# containers and pods keep it, so a subgraph URL reads the same everywhere.
PORTS = {"clients": 4101, "ranks": 4102, "loyalty": 4103, "crm": 4104, "notifications": 4105}
ROLES = ("api", "consumer", "relay")
GATEWAY_PORT = 4000
REQUIRED_ENV = {
    "MONGO_URL",
    "MONGO_DB",
    "KAFKA_BOOTSTRAP",
    "JWT_SECRET",
    "SERVICE_NAME",
    "HTTP_PORT",
    "ENVIRONMENT",
}
# The one topic map of the code; the topic init must create each and its dead-letter twin.
TOPICS = set(topics.ALL)
# Variables docker-compose.yml may take from the shell or .env; anything else written
# as `$x` would be interpolated by compose by mistake (a shell variable needs `$$x`).
COMPOSE_VARIABLES = {
    "JWT_SECRET",
    "JWT_JWKS_URL",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "LOG_LEVEL",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
}
SAMPLE_SECRET = "s" * 48

SERVICE_ROLES = [(ctx, role) for ctx in PORTS for role in ROLES]


# --- loading -------------------------------------------------------------------------


@functools.cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def compose_service(name: str) -> dict[str, Any]:
    services = compose()["services"]
    assert name in services, f"docker-compose.yml has no service {name}"
    service = services[name]
    assert isinstance(service, dict)
    return service


@functools.cache
def k8s_documents() -> tuple[tuple[str, dict[str, Any]], ...]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                docs.append((path.name, doc))
    return tuple(docs)


def k8s_objects(kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for filename, doc in k8s_documents():
        if doc["kind"] == kind:
            name = doc["metadata"]["name"]
            assert name not in found, f"two {kind} objects named {name} ({filename})"
            found[name] = doc
    return found


def k8s_object(kind: str, name: str) -> dict[str, Any]:
    objects = k8s_objects(kind)
    assert name in objects, f"deploy/k8s has no {kind} {name}"
    return objects[name]


def only_container(workload: dict[str, Any]) -> dict[str, Any]:
    containers = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    container = containers[0]
    assert isinstance(container, dict)
    return container


def platform_config() -> dict[str, str]:
    data = k8s_object("ConfigMap", "platform-config")["data"]
    assert all(isinstance(value, str) for value in data.values()), "ConfigMap values are strings"
    return dict(data)


def k8s_env(container: dict[str, Any]) -> dict[str, str]:
    """The environment a container sees: ConfigMaps resolved, Secrets as `<secret:name/key>`."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert set(source) == {"configMapRef"}, f"unexpected envFrom {source}"
        assert source["configMapRef"]["name"] == "platform-config"
        env.update(platform_config())
    # `env` entries win over `envFrom`, as in Kubernetes.
    for entry in container.get("env", []):
        name = entry["name"]
        if "value" in entry:
            assert isinstance(entry["value"], str), f"{name}: env values must be strings"
            env[name] = entry["value"]
        elif "configMapKeyRef" in entry["valueFrom"]:
            ref = entry["valueFrom"]["configMapKeyRef"]
            assert ref["name"] == "platform-config"
            env[name] = platform_config()[ref["key"]]
        else:
            ref = entry["valueFrom"]["secretKeyRef"]
            env[name] = f"<secret:{ref['name']}/{ref['key']}>"
    return env


def container_port(container: dict[str, Any], port: int | str) -> int:
    """Resolves a probe's or a Service's port (a number or a port name) to a number."""
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    if isinstance(port, str):
        assert port in ports, f"no container port named {port}"
        return int(ports[port])
    assert port in ports.values(), f"port {port} is not a container port"
    return port


def pyproject(directory: Path) -> dict[str, Any]:
    return tomllib.loads((ROOT / directory / "pyproject.toml").read_text(encoding="utf-8"))


@functools.cache
def service_pyproject(ctx: str) -> dict[str, Any]:
    return pyproject(Path("services") / ctx)


@functools.cache
def dockerfile(path: str) -> tuple[tuple[str, str], ...]:
    """(instruction, arguments) pairs with continuation lines joined and comments dropped."""
    text = (ROOT / path).read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in joined.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        instruction, _, arguments = stripped.partition(" ")
        instructions.append((instruction.upper(), " ".join(arguments.split())))
    return tuple(instructions)


def dockerfile_copies(path: str) -> list[tuple[list[str], str]]:
    """The build-context sources and destination of every COPY without --from."""
    copies = []
    for instruction, arguments in dockerfile(path):
        if instruction != "COPY":
            continue
        words = arguments.split()
        if any(word.startswith("--from") for word in words):
            continue
        words = [word for word in words if not word.startswith("--")]
        copies.append((words[:-1], words[-1]))
    return copies


def json_form(arguments: str) -> list[str]:
    value = yaml.safe_load(arguments)  # the exec form of CMD is a JSON (so YAML) list
    assert isinstance(value, list), f"use the exec form: {arguments}"
    return [str(item) for item in value]


# --- compose interpolation -------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, environ: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR:?error}` and `$$` for one string."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"] or ""
        current = environ.get(name)
        unset = current is None or (current == "" and op is not None and op.startswith(":"))
        if op in {":?", "?"} and unset:
            raise LookupError(f"{name}: {arg}")
        if op in {":-", "-"} and unset:
            return arg
        return current or ""

    parts = value.split("$$")
    return "$".join(_VARIABLE.sub(substitute, part) for part in parts)


def compose_env(name: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    environ = {"JWT_SECRET": SAMPLE_SECRET} if environ is None else environ
    raw = compose_service(name).get("environment", {})
    assert isinstance(raw, dict), f"{name}: write environment as a mapping"
    return {key: interpolate(str(value), environ) for key, value in raw.items()}


def strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


# --- docker-compose.yml --------------------------------------------------------------


@pytest.mark.parametrize(("ctx", "role"), SERVICE_ROLES)
def test_compose_runs_each_role_with_its_console_script(ctx: str, role: str) -> None:
    service = compose_service(f"{ctx}-{role}")
    assert service["command"] == [f"{ctx}-service", role]
    scripts = service_pyproject(ctx)["project"]["scripts"]
    assert service["command"][0] in scripts, f"services/{ctx}/pyproject.toml lacks the script"


@pytest.mark.parametrize(("ctx", "role"), SERVICE_ROLES)
def test_compose_builds_each_role_from_its_own_dockerfile(ctx: str, role: str) -> None:
    service = compose_service(f"{ctx}-{role}")
    build = service["build"]
    assert (ROOT / build["context"]).resolve() == ROOT, "build from the repository root"
    assert build["dockerfile"] == f"services/{ctx}/Dockerfile"
    assert (ROOT / build["dockerfile"]).is_file()
    assert service["image"].split(":")[0] == f"studio/{ctx}-service"


def test_compose_builds_the_gateway_from_its_dockerfile() -> None:
    gateway = compose_service("gateway")
    assert (ROOT / gateway["build"]["context"]).resolve() == ROOT
    assert gateway["build"]["dockerfile"] == "gateway/Dockerfile"
    assert (ROOT / "gateway" / "Dockerfile").is_file()
    assert gateway["image"].split(":")[0] == "studio/gateway"
    assert f"{GATEWAY_PORT}:{GATEWAY_PORT}" in gateway["ports"]


def test_only_the_gateway_is_published() -> None:
    published = {name for name, service in compose()["services"].items() if "ports" in service}
    assert published == {"gateway"}


@pytest.mark.parametrize(("ctx", "role"), SERVICE_ROLES)
def test_compose_env_uses_settings_names(ctx: str, role: str) -> None:
    env = compose_env(f"{ctx}-{role}")
    assert set(env) <= set(ENV_NAMES), f"not in ServiceSettings: {set(env) - set(ENV_NAMES)}"
    assert set(env) >= REQUIRED_ENV, f"missing: {REQUIRED_ENV - set(env)}"
    assert env["SERVICE_NAME"] == ctx
    assert env["MONGO_DB"] == ctx
    assert env["HTTP_PORT"] == str(PORTS[ctx])
    assert env["HTTP_HOST"] == "0.0.0.0"
    assert env["ENVIRONMENT"] == Environment.PRODUCTION.value


@pytest.mark.parametrize("ctx", list(PORTS))
def test_service_settings_defaults_match_the_manifests(ctx: str) -> None:
    settings_class = importlib.import_module(f"{ctx}.config").Settings
    assert issubclass(settings_class, ServiceSettings)
    fields = settings_class.model_fields
    assert fields["service_name"].default == ctx
    assert fields["mongo_db"].default == ctx
    assert fields["http_port"].default == PORTS[ctx]


@pytest.mark.parametrize(("ctx", "role"), SERVICE_ROLES)
def test_compose_env_is_accepted_by_the_settings(ctx: str, role: str) -> None:
    env = compose_env(f"{ctx}-{role}")
    settings = ServiceSettings.model_validate({name.lower(): value for name, value in env.items()})
    assert settings.environment is Environment.PRODUCTION
    assert settings.http_port == PORTS[ctx]
    assert settings.jwt_secret == SAMPLE_SECRET


@pytest.mark.parametrize("name", [f"{ctx}-api" for ctx in PORTS] + ["gateway"])
def test_compose_requires_a_jwt_secret(name: str) -> None:
    raw = compose_service(name)["environment"]["JWT_SECRET"]
    assert re.fullmatch(r"\$\{JWT_SECRET:\?[^}]+\}", raw), "use ${JWT_SECRET:?message}"
    with pytest.raises(LookupError):
        compose_env(name, environ={})


def test_compose_interpolates_only_known_variables() -> None:
    for value in strings(compose()):
        for dollar in re.finditer(r"\$", value.replace("$$", "")):
            match = _VARIABLE.match(value.replace("$$", ""), dollar.start())
            assert match, f"compose would interpolate this `$` (write `$$`): {value!r}"
            assert match["name"] in COMPOSE_VARIABLES, f"unexpected variable in {value!r}"


@pytest.mark.parametrize(("ctx", "role"), SERVICE_ROLES)
def test_compose_healthcheck_hits_readyz_on_http_port(ctx: str, role: str) -> None:
    test = compose_service(f"{ctx}-{role}")["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    urls = re.findall(r"http://[^'\"]+", test[3])
    assert urls == [f"http://127.0.0.1:{compose_env(f'{ctx}-{role}')['HTTP_PORT']}/readyz"]


def test_compose_gateway_healthcheck_hits_readiness_on_its_port() -> None:
    gateway = compose_service("gateway")
    test = gateway["healthcheck"]["test"]
    assert test[:3] == ["CMD", "node", "-e"]
    urls = re.findall(r"http://[^'\"]+", test[3])
    assert urls == [f"http://127.0.0.1:{compose_env('gateway')['GATEWAY_PORT']}/readiness"]
    assert compose_env("gateway")["GATEWAY_PORT"] == str(GATEWAY_PORT)


@pytest.mark.parametrize(("ctx", "role"), SERVICE_ROLES)
def test_compose_waits_for_healthy_infrastructure(ctx: str, role: str) -> None:
    depends_on = compose_service(f"{ctx}-{role}")["depends_on"]
    assert depends_on["mongo"]["condition"] == "service_healthy"
    assert depends_on["kafka"]["condition"] == "service_healthy"
    assert depends_on["kafka-topics"]["condition"] == "service_completed_successfully"


def test_compose_gateway_waits_for_every_healthy_api() -> None:
    depends_on = compose_service("gateway")["depends_on"]
    assert depends_on == {f"{ctx}-api": {"condition": "service_healthy"} for ctx in PORTS}


def test_compose_services_awaited_as_healthy_have_healthchecks() -> None:
    for name, service in compose()["services"].items():
        for dependency, spec in service.get("depends_on", {}).items():
            if spec["condition"] == "service_healthy":
                assert "test" in compose_service(dependency)["healthcheck"], (name, dependency)


def test_compose_gateway_routes_to_each_api_service() -> None:
    env = compose_env("gateway")
    for ctx in PORTS:
        url = urlsplit(env[f"{ctx.upper()}_URL"])
        assert url.hostname == f"{ctx}-api"
        assert url.port == int(compose_env(f"{ctx}-api")["HTTP_PORT"])
        assert url.path == "/graphql"


def test_compose_mongo_is_a_replica_set_the_services_name() -> None:
    mongo = compose_service("mongo")
    assert mongo["image"].startswith("mongo:7")
    command = mongo["command"]
    assert command[command.index("--replSet") + 1] == "rs0"
    script = mongo["healthcheck"]["test"][-1]
    assert "rs.initiate(" in script
    assert "_id: 'rs0'" in script
    member_host = re.search(r"host: '([^']+)'", script)
    assert member_host
    for ctx, role in SERVICE_ROLES:
        url = urlsplit(compose_env(f"{ctx}-{role}")["MONGO_URL"])
        assert url.scheme == "mongodb"
        assert url.netloc == member_host[1], "drivers reconnect to the host the set reports"
        assert parse_qs(url.query)["replicaSet"] == ["rs0"]


def test_compose_kafka_is_one_kraft_node_the_services_reach() -> None:
    kafka = compose_service("kafka")
    assert kafka["image"] == "apache/kafka:4.1.1"
    env = compose_env("kafka")
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["CLUSTER_ID"]
    listeners = dict(
        (item.split("://")[0], item.split("://")[1]) for item in env["KAFKA_LISTENERS"].split(",")
    )
    controller_port = listeners[env["KAFKA_CONTROLLER_LISTENER_NAMES"]].rsplit(":", 1)[1]
    assert (
        env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:{controller_port}"
    )
    factors = {name: value for name, value in env.items() if name.endswith("REPLICATION_FACTOR")}
    assert factors, "a single node needs its replication factors set to 1"
    assert set(factors.values()) == {"1"}
    advertised = {item.split("://")[1] for item in env["KAFKA_ADVERTISED_LISTENERS"].split(",")}
    for ctx, role in SERVICE_ROLES:
        assert compose_env(f"{ctx}-{role}")["KAFKA_BOOTSTRAP"] in advertised
    assert "test" in kafka["healthcheck"]


# --- the healthcheck one-liners, run against a local server ----------------------------


class _Readiness(http.server.BaseHTTPRequestHandler):
    status = 200
    paths: list[str]

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def readiness_server(status: int) -> Iterator[tuple[int, list[str]]]:
    paths: list[str] = []
    handler = type("Handler", (_Readiness,), {"status": status, "paths": paths})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1], paths
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def run_healthcheck(argv: list[str], port: int, real_port: int) -> int:
    code = argv[3].replace(f":{port}/", f":{real_port}/")
    assert code != argv[3]
    executable = sys.executable if argv[1] == "python" else shutil.which(argv[1])
    assert executable
    return subprocess.run([executable, argv[2], code], timeout=30, check=False).returncode


@pytest.mark.parametrize("ctx", list(PORTS))
def test_compose_python_healthcheck_passes_only_when_ready(ctx: str) -> None:
    argv = compose_service(f"{ctx}-api")["healthcheck"]["test"]
    with readiness_server(200) as (port, paths):
        assert run_healthcheck(argv, PORTS[ctx], port) == 0
        assert paths == ["/readyz"]
    with readiness_server(503) as (port, _):
        assert run_healthcheck(argv, PORTS[ctx], port) != 0
    with readiness_server(200) as (port, _):
        pass  # closed: nothing listens on the port any more
    assert run_healthcheck(argv, PORTS[ctx], port) != 0


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_compose_gateway_healthcheck_passes_only_when_ready() -> None:
    argv = compose_service("gateway")["healthcheck"]["test"]
    with readiness_server(200) as (port, paths):
        assert run_healthcheck(argv, GATEWAY_PORT, port) == 0
        assert paths == ["/readiness"]
    with readiness_server(503) as (port, _):
        assert run_healthcheck(argv, GATEWAY_PORT, port) != 0


# --- topic creation, run with a stand-in for kafka-topics.sh ---------------------------

FAKE_KAFKA_TOPICS = """#!/bin/sh
for arg in "$@"; do printf '%s\\t' "$arg"; done >> "$CALLS"
printf '\\n' >> "$CALLS"
"""


def run_topic_script(script: str, env: dict[str, str], tmp_path: Path) -> list[dict[str, str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "kafka-topics.sh"
    fake.write_text(FAKE_KAFKA_TOPICS)
    fake.chmod(0o755)
    assert "/opt/kafka/bin/" in script
    script = script.replace("/opt/kafka/bin/", f"{bin_dir}/")
    calls_file = tmp_path / "calls"
    run_env = {"PATH": os.environ["PATH"], **env, "CALLS": str(calls_file)}
    subprocess.run(["/bin/sh", "-c", script], env=run_env, check=True, timeout=30)
    calls = []
    for line in calls_file.read_text(encoding="utf-8").splitlines():
        args = line.rstrip("\t").split("\t")
        call: dict[str, str] = {}
        for index, arg in enumerate(args):
            if arg.startswith("--"):
                following = args[index + 1] if index + 1 < len(args) else ""
                call[arg] = "" if following.startswith("--") else following
        calls.append(call)
    return calls


def check_topic_calls(calls: list[dict[str, str]], env: dict[str, str]) -> None:
    created = {call["--topic"]: call for call in calls}
    assert set(created) == TOPICS | {topics.dlq(topic) for topic in TOPICS}
    assert len(calls) == len(created), "each topic is created once"
    for topic, call in created.items():
        assert "--create" in call
        assert "--if-not-exists" in call, "the init must be safe to rerun"
        assert call["--bootstrap-server"] == env["KAFKA_BOOTSTRAP"]
        assert call["--replication-factor"] == env["TOPIC_REPLICATION_FACTOR"]
        if not topic.endswith(".dlq"):
            assert call["--partitions"] == env["TOPIC_PARTITIONS"]


def test_compose_topic_init_creates_every_topic_and_its_dlq(tmp_path: Path) -> None:
    init = compose_service("kafka-topics")
    assert init["image"] == compose_service("kafka")["image"]
    assert init["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    env = compose_env("kafka-topics")
    assert env["KAFKA_BOOTSTRAP"] == compose_env("clients-api")["KAFKA_BOOTSTRAP"]
    assert env["TOPIC_REPLICATION_FACTOR"] == "1"
    shell, flag, script = init["command"]
    assert (shell, flag) == ("/bin/sh", "-c")
    calls = run_topic_script(interpolate(script, {}), env, tmp_path)
    check_topic_calls(calls, env)


def test_k8s_topic_job_creates_every_topic_and_its_dlq(tmp_path: Path) -> None:
    container = only_container(k8s_object("Job", "kafka-topics"))
    assert container["image"] == compose_service("kafka")["image"]
    env = k8s_env(container)
    assert env["KAFKA_BOOTSTRAP"] == platform_config()["KAFKA_BOOTSTRAP"]
    shell, flag, script = container["command"]
    assert (shell, flag) == ("/bin/sh", "-c")
    calls = run_topic_script(script, env, tmp_path)
    check_topic_calls(calls, env)


def test_consumers_never_outnumber_partitions() -> None:
    partitions = int(k8s_env(only_container(k8s_object("Job", "kafka-topics")))["TOPIC_PARTITIONS"])
    assert int(compose_env("kafka-topics")["TOPIC_PARTITIONS"]) == partitions
    for ctx in PORTS:
        hpa = k8s_object("HorizontalPodAutoscaler", f"{ctx}-consumer")
        assert hpa["spec"]["maxReplicas"] <= partitions


# --- Dockerfiles --------------------------------------------------------------------


def workspace_members() -> list[Path]:
    root = pyproject(Path())
    members = []
    for pattern in root["tool"]["uv"]["workspace"]["members"]:
        members += [Path(p) for p in sorted(glob.glob(pattern, root_dir=ROOT))]
    return [member for member in members if (ROOT / member / "pyproject.toml").is_file()]


def workspace_dependencies(package: str) -> set[Path]:
    """The workspace members `package` needs, itself included, as paths from the root."""
    by_name = {pyproject(member)["project"]["name"]: member for member in workspace_members()}
    needed: set[Path] = set()
    pending = [package]
    while pending:
        name = pending.pop()
        if name in by_name and by_name[name] not in needed:
            needed.add(by_name[name])
            for requirement in pyproject(by_name[name])["project"].get("dependencies", []):
                pending.append(re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0])
    return needed


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored_by_dockerignore(path: str) -> bool:
    parts = Path(path.rstrip("/")).parts
    for pattern in dockerignore_patterns():
        assert not pattern.startswith("!"), "negations are not handled here"
        for end in range(1, len(parts) + 1):
            prefix = "/".join(parts[:end])
            if fnmatch.fnmatchcase(prefix, pattern):
                return True
            if pattern.startswith("**/"):
                for start in range(end):
                    if fnmatch.fnmatchcase("/".join(parts[start:end]), pattern[3:]):
                        return True
    return False


def test_dockerignore_keeps_host_environments_out_but_not_sources() -> None:
    for path in [".venv", ".git", "gateway/node_modules", ".cache", "services/crm/tests"]:
        assert ignored_by_dockerignore(path), path
    for path in ["uv.lock", "pyproject.toml", "libs/plumbing/src", "services/crm/src/crm"]:
        assert not ignored_by_dockerignore(path), path


@pytest.mark.parametrize("ctx", list(PORTS))
def test_service_dockerfile_installs_its_own_package_from_the_lock(ctx: str) -> None:
    path = f"services/{ctx}/Dockerfile"
    instructions = dockerfile(path)
    text = (ROOT / path).read_text(encoding="utf-8")
    for other in set(PORTS) - {ctx}:
        assert f"{other}-service" not in text, f"{path} mentions {other}-service"
    syncs = [args for name, args in instructions if name == "RUN" and "uv sync" in args]
    assert syncs, "install with uv sync"
    for args in syncs:
        assert "--frozen" in args.split()
        assert "--no-dev" in args.split()
        assert f"--package {ctx}-service" in args
    assert any(sources == ["pyproject.toml", "uv.lock"] for sources, _ in dockerfile_copies(path))
    froms = [args for name, args in instructions if name == "FROM"]
    assert froms[-1].startswith("python:3.11-slim"), "the runtime stage is slim Python 3.11"
    assert all(f.startswith(("python:3.11-slim", "ghcr.io/astral-sh/uv:")) for f in froms)


@pytest.mark.parametrize("ctx", list(PORTS))
def test_service_dockerfile_copies_what_uv_needs(ctx: str) -> None:
    path = f"services/{ctx}/Dockerfile"
    copies = dockerfile_copies(path)
    copied = {source.rstrip("/") for sources, _ in copies for source in sources}
    for sources, destination in copies:
        for source in sources:
            assert (ROOT / source).exists(), f"{path} copies a missing {source}"
            assert not ignored_by_dockerignore(source), f".dockerignore hides {source}"
            if len(sources) == 1 and source.endswith("/"):
                assert destination == source, "keep the repository layout in the image"
    # uv discovers the workspace through every member before installing anything.
    for member in workspace_members():
        assert f"{member}/pyproject.toml" in copied, f"{path} lacks {member}/pyproject.toml"
    for member in workspace_dependencies(f"{ctx}-service"):
        assert str(member) in copied, f"{path} lacks the sources of {member}"


@pytest.mark.parametrize("ctx", list(PORTS))
def test_service_dockerfile_runs_as_non_root_with_its_script(ctx: str) -> None:
    instructions = dockerfile(f"services/{ctx}/Dockerfile")
    user = [args for name, args in instructions if name == "USER"][-1]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) > 0, "a numeric non-root USER"
    cmd = json_form([args for name, args in instructions if name == "CMD"][-1])
    assert cmd[0] in service_pyproject(ctx)["project"]["scripts"]
    assert [args for name, args in instructions if name == "EXPOSE"] == [str(PORTS[ctx])]
    for role in ROLES:
        pod = k8s_object("Deployment", f"{ctx}-{role}")["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == int(uid)


def test_gateway_dockerfile_installs_from_the_lockfile() -> None:
    path = "gateway/Dockerfile"
    instructions = dockerfile(path)
    froms = [args for name, args in instructions if name == "FROM"]
    assert len(froms) == 1
    assert re.fullmatch(r"node:20(-[a-z]+)?-slim", froms[0])
    runs = [args for name, args in instructions if name == "RUN"]
    assert any(re.search(r"\bnpm ci\b", run) for run in runs)
    assert not any(re.search(r"\bnpm (install|i)\b", run) for run in runs)
    copies = dockerfile_copies(path)
    copied = {source for sources, _ in copies for source in sources}
    assert {"gateway/package.json", "gateway/package-lock.json"} <= copied
    # What the container runs: start.sh, the config it names and the supergraph beside it.
    assert {"gateway/start.sh", "gateway/gateway.config.ts", "gateway/supergraph.graphql"} <= copied
    for source in copied:
        assert (ROOT / source).is_file(), f"{path} copies a missing {source}"
        assert not ignored_by_dockerignore(source), f".dockerignore hides {source}"
    user = [args for name, args in instructions if name == "USER"][-1].split(":")[0]
    assert user.isdigit() and int(user) > 0
    pod = k8s_object("Deployment", "gateway")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == int(user)
    assert json_form([args for name, args in instructions if name == "CMD"][-1]) == [
        "bash",
        "start.sh",
    ]
    assert [args for name, args in instructions if name == "EXPOSE"] == [str(GATEWAY_PORT)]
    package = yaml.safe_load((ROOT / "gateway" / "package.json").read_text(encoding="utf-8"))
    for version in package["dependencies"].values():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), "pinned versions only"


def gateway_reads() -> set[str]:
    """Every upper-case name gateway.config.ts or start.sh mentions: what it may read."""
    text = (ROOT / "gateway" / "gateway.config.ts").read_text(encoding="utf-8")
    text += (ROOT / "gateway" / "start.sh").read_text(encoding="utf-8")
    return set(re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", text))


def check_gateway_env(env: dict[str, str]) -> None:
    assert set(env) <= gateway_reads(), f"the gateway never reads {set(env) - gateway_reads()}"
    assert env["GATEWAY_HOST"] == "0.0.0.0", "the config listens on loopback by default"
    assert env["GATEWAY_PORT"] == str(GATEWAY_PORT)
    assert env["ENVIRONMENT"] == Environment.PRODUCTION.value
    assert env["FORK"] == "1"
    # The gateway and the services verify the same tokens the same way.
    for name in ("JWT_SECRET", "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"):
        assert name in env, name


def test_compose_gateway_env_is_what_the_gateway_reads() -> None:
    env = compose_env("gateway")
    check_gateway_env(env)
    for name in ("JWT_SECRET", "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"):
        assert env[name] == compose_env("clients-api")[name], name


def test_k8s_gateway_env_is_what_the_gateway_reads() -> None:
    env = k8s_env(only_container(k8s_object("Deployment", "gateway")))
    check_gateway_env(env)
    service_env = k8s_env(only_container(k8s_object("Deployment", "clients-api")))
    for name in ("JWT_SECRET", "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"):
        assert env[name] == service_env[name], name


# --- deploy/k8s --------------------------------------------------------------------


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert kustomization["namespace"] == NAMESPACE
    files = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)
    images = {image["name"] for image in kustomization["images"]}
    used = {
        container["image"].split(":")[0]
        for kind in ("Deployment", "Job")
        for workload in k8s_objects(kind).values()
        for container in workload["spec"]["template"]["spec"]["containers"]
    }
    assert images == used - {"apache/kafka"}


def test_k8s_objects_live_in_the_namespace() -> None:
    assert NAMESPACE in k8s_objects("Namespace")
    for filename, doc in k8s_documents():
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == NAMESPACE, (filename, doc["kind"])


def test_k8s_commits_no_secret() -> None:
    assert not k8s_objects("Secret"), "create platform-secrets in the cluster, never in git"
    refs = set()
    for kind in ("Deployment", "Job"):
        for workload in k8s_objects(kind).values():
            for entry in only_container(workload).get("env", []):
                if "secretKeyRef" in entry.get("valueFrom", {}):
                    refs.add((entry["name"], entry["valueFrom"]["secretKeyRef"]["name"]))
    assert refs == {("JWT_SECRET", "platform-secrets")}


@pytest.mark.parametrize(("ctx", "role"), SERVICE_ROLES)
def test_k8s_deployment_runs_each_role_of_each_service(ctx: str, role: str) -> None:
    deployment = k8s_object("Deployment", f"{ctx}-{role}")
    selector = deployment["spec"]["selector"]["matchLabels"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()
    assert selector["app.kubernetes.io/component"] == role
    container = only_container(deployment)
    assert container["image"].split(":")[0] == f"studio/{ctx}-service"
    assert container["command"] == [f"{ctx}-service", role]
    assert container["command"][0] in service_pyproject(ctx)["project"]["scripts"]


@pytest.mark.parametrize(("ctx", "role"), SERVICE_ROLES)
def test_k8s_env_uses_settings_names(ctx: str, role: str) -> None:
    env = k8s_env(only_container(k8s_object("Deployment", f"{ctx}-{role}")))
    assert set(env) <= set(ENV_NAMES), f"not in ServiceSettings: {set(env) - set(ENV_NAMES)}"
    assert set(env) >= REQUIRED_ENV, f"missing: {REQUIRED_ENV - set(env)}"
    assert env["SERVICE_NAME"] == ctx
    assert env["MONGO_DB"] == ctx
    assert env["HTTP_PORT"] == str(PORTS[ctx])
    assert env["HTTP_HOST"] == "0.0.0.0"
    assert env["ENVIRONMENT"] == Environment.PRODUCTION.value
    assert env["JWT_SECRET"] == "<secret:platform-secrets/JWT_SECRET>"
    assert "replicaSet=" in env["MONGO_URL"]
    secret = {"JWT_SECRET": SAMPLE_SECRET}
    settings = ServiceSettings.model_validate(
        {name.lower(): value for name, value in (env | secret).items()}
    )
    assert settings.http_port == PORTS[ctx]


@pytest.mark.parametrize(("ctx", "role"), SERVICE_ROLES)
def test_k8s_ports_and_probes_agree(ctx: str, role: str) -> None:
    deployment = k8s_object("Deployment", f"{ctx}-{role}")
    container = only_container(deployment)
    port = int(k8s_env(container)["HTTP_PORT"])
    assert [p["containerPort"] for p in container["ports"]] == [port]
    liveness = container["livenessProbe"]["httpGet"]
    readiness = container["readinessProbe"]["httpGet"]
    assert liveness["path"] == "/healthz"
    assert readiness["path"] == "/readyz"
    assert container_port(container, liveness["port"]) == port
    assert container_port(container, readiness["port"]) == port
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(port)
    assert annotations["prometheus.io/path"] == "/metrics"


@pytest.mark.parametrize("ctx", list(PORTS))
def test_k8s_service_selects_only_the_api_pods(ctx: str) -> None:
    service = k8s_object("Service", f"{ctx}-api")
    selector = service["spec"]["selector"]
    for role in ROLES:
        labels = k8s_object("Deployment", f"{ctx}-{role}")["spec"]["template"]["metadata"]["labels"]
        assert (selector.items() <= labels.items()) == (role == "api"), role
    container = only_container(k8s_object("Deployment", f"{ctx}-api"))
    [port] = service["spec"]["ports"]
    assert container_port(container, port["targetPort"]) == PORTS[ctx]


def test_every_deployment_has_one_autoscaler() -> None:
    deployments = set(k8s_objects("Deployment"))
    assert deployments == {f"{ctx}-{role}" for ctx, role in SERVICE_ROLES} | {"gateway"}
    targets = []
    for hpa in k8s_objects("HorizontalPodAutoscaler").values():
        assert hpa["apiVersion"] == "autoscaling/v2"
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        assert hpa["spec"]["metrics"], "an autoscaler needs a metric"
        targets.append(target["name"])
    assert sorted(targets) == sorted(deployments)
    for deployment in k8s_objects("Deployment").values():
        assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"


def test_k8s_workloads_are_bounded_and_unprivileged() -> None:
    workloads = [*k8s_objects("Deployment").values(), *k8s_objects("Job").values()]
    for workload in workloads:
        name = workload["metadata"]["name"]
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] > 0, name
        for container in pod["containers"]:
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), (name, bound)
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name


def test_k8s_gateway_probes_ports_and_routes() -> None:
    deployment = k8s_object("Deployment", "gateway")
    container = only_container(deployment)
    env = k8s_env(container)
    port = int(env["GATEWAY_PORT"])
    assert port == GATEWAY_PORT
    assert [p["containerPort"] for p in container["ports"]] == [port]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthcheck"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readiness"
    for probe in ("livenessProbe", "readinessProbe"):
        assert container_port(container, container[probe]["httpGet"]["port"]) == port
    [service_port] = k8s_object("Service", "gateway")["spec"]["ports"]
    assert container_port(container, service_port["targetPort"]) == port
    assert env["JWT_SECRET"] == "<secret:platform-secrets/JWT_SECRET>"
    assert env["ENVIRONMENT"] == Environment.PRODUCTION.value
    # Same variables as in docker-compose.yml, each pointing at its subgraph's Service.
    assert set(env) == set(compose_env("gateway"))
    for ctx in PORTS:
        url = urlsplit(env[f"{ctx.upper()}_URL"])
        service = k8s_object("Service", str(url.hostname))
        assert url.port in [p["port"] for p in service["spec"]["ports"]]
        assert service["spec"]["selector"]["app.kubernetes.io/name"] == ctx
        assert url.path == "/graphql"


def test_docs_explain_every_variable_the_manifests_set() -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    names = set(platform_config())
    for name in ["gateway", *(f"{ctx}-{role}" for ctx, role in SERVICE_ROLES)]:
        names |= set(compose_env(name))
    names |= set(compose_env("kafka-topics"))
    for name in sorted(names):
        assert f"`{name}`" in docs, f"docs/deploy.md does not explain {name}"
    assert "platform-secrets" in docs


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomize_builds_every_object() -> None:
    result = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    built = [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]
    assert len(built) == len(k8s_documents())
    images = {
        container["image"]
        for doc in built
        if doc["kind"] in {"Deployment", "Job"}
        for container in doc["spec"]["template"]["spec"]["containers"]
    }
    assert all(":" in image for image in images)
