"""The deployment files agree with the code and with each other.

docker-compose.yml, the Dockerfiles and deploy/k8s/*.yaml are parsed here, never run:
no Docker engine (`docker compose config` is not needed) and no cluster. What can run
without them does: the healthcheck one-liners against a local HTTP server, and the
Kafka commands (the broker's storage format, the topics, users and ACLs script) against
stand-ins for the Kafka image's tools that record their calls.
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
from plumbing.settings import Environment, ServiceSettings
from studio_admin import kafka_access

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
NAMESPACE = "studio"

# Each service's port on a developer machine (its Settings default, gateway/compose.mjs);
# containers and pods keep it, so a subgraph URL reads the same everywhere. These five
# read and publish events: three processes each, and a Kafka user.
PORTS = {"clients": 4101, "ranks": 4102, "loyalty": 4103, "crm": 4104, "notifications": 4105}
ROLES = ("api", "consumer", "relay")
# identity signs people in and uses no Kafka: its API alone (docs/identity.md).
IDENTITY = "identity"
API_PORTS = PORTS | {IDENTITY: 4106}
IDENTITY_JWKS_URL = "http://identity-api:4106/.well-known/jwks.json"
GATEWAY_PORT = 4000
REQUIRED_ENV = {
    "MONGO_URL",
    "MONGO_DB",
    "KAFKA_BOOTSTRAP",
    "JWT_SECRET",
    "SERVICE_NAME",
    "HTTP_PORT",
    "ENVIRONMENT",
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_USERNAME",
    "KAFKA_PASSWORD",
}
# The one topic map of the code; the topic init must create each and its dead-letter twin.
TOPICS = set(topics.ALL)
# Kafka's passwords in docker-compose.yml: the broker's own user and the operator's (made
# when the storage is formatted), and one per service (made by kafka-topics).
KAFKA_SERVICE_PASSWORDS = {ctx: f"KAFKA_PASSWORD_{ctx.upper()}" for ctx in PORTS}
KAFKA_VARIABLES = {
    "KAFKA_BROKER_PASSWORD",
    "KAFKA_OPERATOR_PASSWORD",
    *KAFKA_SERVICE_PASSWORDS.values(),
}
# A different password for each, so that a test sees which one went where.
SAMPLE_KAFKA_PASSWORDS = {name: f"{name.lower()}-{'k' * 32}" for name in sorted(KAFKA_VARIABLES)}
# Variables docker-compose.yml may take from the shell or .env; anything else written
# as `$x` would be interpolated by compose by mistake (a shell variable needs `$$x`).
COMPOSE_VARIABLES = {
    "JWT_SECRET",
    "GATEWAY_SIGNING_SECRET",
    "JWT_JWKS_URL",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "LOG_LEVEL",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    *KAFKA_VARIABLES,
    # The host's file compose mounts as identity's signing key.
    "IDENTITY_SIGNING_KEY_FILE",
}
SAMPLE_SECRET = "s" * 48

SERVICE_ROLES = [(ctx, role) for ctx in PORTS for role in ROLES]
# Every Python process, identity's API included.
ALL_ROLES = [*SERVICE_ROLES, (IDENTITY, "api")]


def roles_of(ctx: str) -> tuple[str, ...]:
    return ("api",) if ctx == IDENTITY else ROLES


def required_env(ctx: str) -> set[str]:
    """identity has no Kafka user: an empty KAFKA_BOOTSTRAP says it uses no Kafka."""
    return REQUIRED_ENV - {"KAFKA_USERNAME", "KAFKA_PASSWORD"} if ctx == IDENTITY else REQUIRED_ENV


def settings_class(ctx: str) -> type[ServiceSettings]:
    found: object = importlib.import_module(f"{ctx}.config").Settings
    assert isinstance(found, type) and issubclass(found, ServiceSettings)
    return found


def settings_names(ctx: str) -> set[str]:
    """What a service reads: the shared settings and its own (identity's signing key)."""
    return {name.upper() for name in settings_class(ctx).model_fields}


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
    environ = (
        {"JWT_SECRET": SAMPLE_SECRET, "GATEWAY_SIGNING_SECRET": SAMPLE_SECRET}
        | SAMPLE_KAFKA_PASSWORDS
        if environ is None
        else environ
    )
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


@pytest.mark.parametrize(("ctx", "role"), ALL_ROLES)
def test_compose_runs_each_role_with_its_console_script(ctx: str, role: str) -> None:
    service = compose_service(f"{ctx}-{role}")
    assert service["command"] == [f"{ctx}-service", role]
    scripts = service_pyproject(ctx)["project"]["scripts"]
    assert service["command"][0] in scripts, f"services/{ctx}/pyproject.toml lacks the script"


@pytest.mark.parametrize(("ctx", "role"), ALL_ROLES)
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


@pytest.mark.parametrize(("ctx", "role"), ALL_ROLES)
def test_compose_env_uses_settings_names(ctx: str, role: str) -> None:
    env = compose_env(f"{ctx}-{role}")
    names = settings_names(ctx)
    assert set(env) <= names, f"not in {ctx}'s Settings: {set(env) - names}"
    assert set(env) >= required_env(ctx), f"missing: {required_env(ctx) - set(env)}"
    assert env["SERVICE_NAME"] == ctx
    assert env["MONGO_DB"] == ctx
    assert env["HTTP_PORT"] == str(API_PORTS[ctx])
    assert env["HTTP_HOST"] == "0.0.0.0"
    assert env["ENVIRONMENT"] == Environment.PRODUCTION.value


@pytest.mark.parametrize("ctx", list(API_PORTS))
def test_service_settings_defaults_match_the_manifests(ctx: str) -> None:
    fields = settings_class(ctx).model_fields
    assert fields["service_name"].default == ctx
    assert fields["mongo_db"].default == ctx
    assert fields["http_port"].default == API_PORTS[ctx]


@pytest.mark.parametrize(("ctx", "role"), ALL_ROLES)
def test_compose_env_is_accepted_by_the_settings(ctx: str, role: str) -> None:
    env = compose_env(f"{ctx}-{role}")
    settings = settings_class(ctx).model_validate(
        {name.lower(): value for name, value in env.items()}
    )
    assert settings.environment is Environment.PRODUCTION
    assert settings.http_port == API_PORTS[ctx]
    assert settings.jwt_secret == SAMPLE_SECRET


@pytest.mark.parametrize("name", [f"{ctx}-api" for ctx in API_PORTS] + ["gateway"])
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


@pytest.mark.parametrize(("ctx", "role"), ALL_ROLES)
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
    assert depends_on == {f"{ctx}-api": {"condition": "service_healthy"} for ctx in API_PORTS}


def test_compose_services_awaited_as_healthy_have_healthchecks() -> None:
    for name, service in compose()["services"].items():
        for dependency, spec in service.get("depends_on", {}).items():
            if spec["condition"] == "service_healthy":
                assert "test" in compose_service(dependency)["healthcheck"], (name, dependency)


def test_compose_gateway_routes_to_each_api_service() -> None:
    env = compose_env("gateway")
    for ctx in API_PORTS:
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
    for ctx, role in ALL_ROLES:
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


@pytest.mark.parametrize("ctx", list(API_PORTS))
def test_compose_python_healthcheck_passes_only_when_ready(ctx: str) -> None:
    argv = compose_service(f"{ctx}-api")["healthcheck"]["test"]
    with readiness_server(200) as (port, paths):
        assert run_healthcheck(argv, API_PORTS[ctx], port) == 0
        assert paths == ["/readyz"]
    with readiness_server(503) as (port, _):
        assert run_healthcheck(argv, API_PORTS[ctx], port) != 0
    with readiness_server(200) as (port, _):
        pass  # closed: nothing listens on the port any more
    assert run_healthcheck(argv, API_PORTS[ctx], port) != 0


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_compose_gateway_healthcheck_passes_only_when_ready() -> None:
    argv = compose_service("gateway")["healthcheck"]["test"]
    with readiness_server(200) as (port, paths):
        assert run_healthcheck(argv, GATEWAY_PORT, port) == 0
        assert paths == ["/readiness"]
    with readiness_server(503) as (port, _):
        assert run_healthcheck(argv, GATEWAY_PORT, port) != 0


# --- Kafka: the broker's security, its users, the topics and the ACLs ------------------
#
# The commands run here against stand-ins for the Kafka image's tools that record their
# calls: the compose broker's (formats the storage, then starts the image's own script)
# and the setup both compose and the Kubernetes Job run (deploy/k8s/kafka-setup.sh).

SETUP_SCRIPT = K8S / "kafka-setup.sh"
KAFKA_TOOLS = ("kafka-topics.sh", "kafka-configs.sh", "kafka-acls.sh")
SASL_PROTOCOLS = {"SASL_PLAINTEXT", "SASL_SSL"}
# KAFKA_* variables the apache/kafka image does not copy into server.properties.
IMAGE_NON_PROPERTIES = {
    "KAFKA_VERSION",
    "KAFKA_HEAP_OPTS",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_LOG4J_LOGGERS",
    "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    "KAFKA_JMX_HOSTNAME",
}
# What compose's broker must set as the local stack's does (deploy/local/kafka/server.properties).
SECURITY_PROPERTIES = (
    "sasl.enabled.mechanisms",
    "sasl.mechanism.inter.broker.protocol",
    "sasl.mechanism.controller.protocol",
    "authorizer.class.name",
    "allow.everyone.if.no.acl.found",
    "super.users",
    "auto.create.topics.enable",
    "message.max.bytes",
)

FAKE_KAFKA_TOOL = """#!/bin/sh
printf '%s\\t' "$(basename "$0")" >> "$CALLS"
for arg in "$@"; do printf '%s\\t' "$arg"; done >> "$CALLS"
printf '\\n' >> "$CALLS"
"""
# Also keeps the config it was given, and leaves what a real format leaves.
FAKE_KAFKA_STORAGE = (
    FAKE_KAFKA_TOOL
    + """while [ $# -gt 0 ]; do
  if [ "$1" = --config ]; then cp "$2" "$CALLS.config"; fi
  shift
done
touch "$KAFKA_LOG_DIRS/meta.properties"
"""
)
FAKE_IMAGE_RUN = """#!/bin/sh
printf 'run\\n' >> "$CALLS"
"""


def image_properties(env: dict[str, str]) -> dict[str, str]:
    """The server.properties the apache/kafka image writes from its environment
    (kafka.docker.KafkaDockerWrapper): KAFKA_ dropped, lower case, `_` → `.`, then
    `...` → `-` and `..` → `_`."""
    properties = {}
    for name, value in env.items():
        if name.startswith("KAFKA_") and name not in IMAGE_NON_PROPERTIES:
            key = name.removeprefix("KAFKA_").lower().replace("_", ".")
            properties[key.replace("...", "-").replace("..", "_")] = value
    return properties


def read_properties(text: str) -> dict[str, str]:
    properties = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            properties[key.strip()] = value.strip()
    return properties


def listener_protocols(broker_properties: dict[str, str]) -> dict[str, str]:
    """Each listener's security protocol (listener.security.protocol.map)."""
    pairs = broker_properties["listener.security.protocol.map"].split(",")
    return dict(pair.split(":") for pair in pairs)


def jaas_options(line: str) -> dict[str, str]:
    """`…LoginModule required a="1" b="2";` → {"a": "1", "b": "2"}."""
    return dict(re.findall(r'(\w+)="([^"]*)"', line))


def check_operator_client_config(path: Path, protocol: str, username: str, password: str) -> None:
    assert path.stat().st_mode & 0o077 == 0, "a password file for its owner only"
    config = read_properties(path.read_text(encoding="utf-8"))
    assert config["security.protocol"] == protocol
    assert protocol in SASL_PROTOCOLS
    assert config["sasl.mechanism"] == kafka_access.MECHANISM
    assert "ScramLoginModule required" in config["sasl.jaas.config"]
    assert jaas_options(config["sasl.jaas.config"]) == {"username": username, "password": password}
    assert username in kafka_access.SUPER_USERS


def recorded_calls(calls_file: Path) -> list[list[str]]:
    lines = calls_file.read_text(encoding="utf-8").splitlines()
    return [line.rstrip("\t").split("\t") for line in lines]


def options(args: list[str]) -> dict[str, str]:
    """`--name value` pairs; a flag without a value maps to ""."""
    found: dict[str, str] = {}
    for index, arg in enumerate(args):
        if arg.startswith("--"):
            following = args[index + 1] if index + 1 < len(args) else ""
            found[arg] = "" if following.startswith("--") else following
    return found


@pytest.mark.parametrize(("ctx", "role"), SERVICE_ROLES)
def test_each_service_logs_in_to_kafka_as_itself(ctx: str, role: str) -> None:
    assert ctx in kafka_access.SERVICES
    compose_password = SAMPLE_KAFKA_PASSWORDS[KAFKA_SERVICE_PASSWORDS[ctx]]
    deployment = only_container(k8s_object("Deployment", f"{ctx}-{role}"))
    for env, password in (
        (compose_env(f"{ctx}-{role}"), compose_password),
        (k8s_env(deployment), f"<secret:kafka-users/{ctx}>"),
    ):
        assert env["KAFKA_SECURITY_PROTOCOL"] in SASL_PROTOCOLS
        assert env["KAFKA_SASL_MECHANISM"] == kafka_access.MECHANISM
        assert env["KAFKA_USERNAME"] == ctx
        assert env["KAFKA_PASSWORD"] == password
    raw = compose_service(f"{ctx}-{role}")["environment"]["KAFKA_PASSWORD"]
    name = KAFKA_SERVICE_PASSWORDS[ctx]
    assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", raw), f"use ${{{name}:?message}}"


def test_every_kafka_service_user_is_a_deployed_service() -> None:
    assert set(kafka_access.SERVICES) == set(PORTS)


def test_the_gateway_does_not_talk_to_kafka() -> None:
    deployment = only_container(k8s_object("Deployment", "gateway"))
    for env in (compose_env("gateway"), k8s_env(deployment)):
        assert not [name for name in env if name.startswith("KAFKA_")]


def test_compose_kafka_is_secured_as_the_local_stack() -> None:
    env = compose_env("kafka")
    broker_properties = image_properties(env)
    local = read_properties(
        (ROOT / "deploy" / "local" / "kafka" / "server.properties").read_text(encoding="utf-8")
    )
    for key in SECURITY_PROPERTIES:
        assert broker_properties.get(key) == local[key], key
    assert broker_properties["super.users"] == ";".join(
        f"User:{user}" for user in kafka_access.SUPER_USERS
    )
    assert broker_properties["sasl.enabled.mechanisms"] == kafka_access.MECHANISM
    # Every listener, the controller's included, wants a login: no anonymous user at all.
    protocols = listener_protocols(broker_properties)
    listeners = [item.split("://")[0] for item in broker_properties["listeners"].split(",")]
    assert listeners
    assert all(protocols[listener] in SASL_PROTOCOLS for listener in listeners), protocols
    # The broker logs in to itself and to its controller as `broker`.
    broker = broker_properties["inter.broker.listener.name"].lower()
    controller = broker_properties["controller.listener.names"].lower()
    password = SAMPLE_KAFKA_PASSWORDS["KAFKA_BROKER_PASSWORD"]
    mechanism = kafka_access.MECHANISM.lower()
    scram = broker_properties[f"listener.name.{broker}.{mechanism}.sasl.jaas.config"]
    assert "ScramLoginModule required" in scram
    assert jaas_options(scram) == {"username": "broker", "password": password}
    assert broker_properties[f"listener.name.{controller}.sasl.enabled.mechanisms"] == "PLAIN"
    plain = broker_properties[f"listener.name.{controller}.plain.sasl.jaas.config"]
    assert "PlainLoginModule required" in plain
    assert jaas_options(plain) == {
        "username": "broker",
        "password": password,
        "user_broker": password,
    }
    # The image refuses to start a SASL listener while KAFKA_OPTS is empty.
    assert env["KAFKA_OPTS"]
    for name in ("KAFKA_BROKER_PASSWORD", "KAFKA_OPERATOR_PASSWORD"):
        with pytest.raises(LookupError):
            compose_env("kafka", {k: v for k, v in SAMPLE_KAFKA_PASSWORDS.items() if k != name})


def run_broker_command(env: dict[str, str], tmp_path: Path) -> tuple[list[list[str]], Path]:
    """Runs compose's kafka command with stand-ins; returns the calls and its /tmp."""
    scratch = tmp_path / "tmp"
    bin_dir = tmp_path / "bin"
    for directory in (scratch, bin_dir):
        directory.mkdir(exist_ok=True)
    (bin_dir / "kafka-storage.sh").write_text(FAKE_KAFKA_STORAGE)
    (bin_dir / "run").write_text(FAKE_IMAGE_RUN)
    for fake in bin_dir.iterdir():
        fake.chmod(0o755)
    shell, flag, script = compose_service("kafka")["command"]
    script = interpolate(script, {})
    for path in ("/tmp/", "/opt/kafka/bin/", "/etc/kafka/docker/run"):
        assert path in script, path
    # /tmp/ first: the stand-ins themselves live under the test's /tmp.
    script = script.replace("/tmp/", f"{scratch}/")
    script = script.replace("/opt/kafka/bin/", f"{bin_dir}/")
    script = script.replace("/etc/kafka/docker/run", str(bin_dir / "run"))
    calls_file = tmp_path / "calls"
    calls_file.unlink(missing_ok=True)
    run_env = {"PATH": os.environ["PATH"], **env, "CALLS": str(calls_file)}
    subprocess.run([shell, flag, script], env=run_env, check=True, timeout=30)
    return recorded_calls(calls_file), scratch


def test_compose_kafka_formats_its_storage_once_with_the_super_users(tmp_path: Path) -> None:
    env = compose_env("kafka")
    data = tmp_path / "data"
    data.mkdir()
    env["KAFKA_LOG_DIRS"] = str(data)
    calls, scratch = run_broker_command(env, tmp_path)
    assert [call[0] for call in calls] == ["kafka-storage.sh", "run"], "format, then the image"
    storage = calls[0][1:]
    assert storage[0] == "format"
    assert options(storage)["--cluster-id"] == env["CLUSTER_ID"]
    added = [storage[index + 1] for index, arg in enumerate(storage) if arg == "--add-scram"]
    assert sorted(added) == sorted(
        f"{kafka_access.MECHANISM}=[name={user},"
        f"password={SAMPLE_KAFKA_PASSWORDS[f'KAFKA_{user.upper()}_PASSWORD']}]"
        for user in kafka_access.SUPER_USERS
    )
    # The storage is formatted for this very node: what the format reads is what the
    # image writes into server.properties.
    formatted_with = read_properties((tmp_path / "calls.config").read_text(encoding="utf-8"))
    broker_properties = image_properties(env)
    identity = {"process.roles", "node.id", "controller.quorum.voters", "log.dirs"}
    assert identity <= set(formatted_with)
    assert formatted_with == {key: broker_properties[key] for key in formatted_with}
    assert [path.name for path in scratch.iterdir()] == ["operator.properties"]

    # The healthcheck logs in as the operator, with the settings the command wrote.
    kind, check = compose_service("kafka")["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    check_options = options(check.split())
    advertised = [item.split("://") for item in env["KAFKA_ADVERTISED_LISTENERS"].split(",")]
    by_address = {address: name for name, address in advertised}
    listener = by_address[check_options["--bootstrap-server"]]
    assert check_options["--command-config"] == "/tmp/operator.properties"
    check_operator_client_config(
        scratch / "operator.properties",
        listener_protocols(broker_properties)[listener],
        "operator",
        SAMPLE_KAFKA_PASSWORDS["KAFKA_OPERATOR_PASSWORD"],
    )

    # Restarted, it finds its storage formatted and leaves it (and its users) alone.
    calls, _ = run_broker_command(env, tmp_path)
    assert calls == [["run"]]


def test_kafka_setup_script_is_the_generated_one() -> None:
    assert SETUP_SCRIPT.read_text(encoding="utf-8") == kafka_access.shell_script(), (
        "deploy/k8s/kafka-setup.sh is not what admin/src/studio_admin/kafka_access.py makes; "
        "regenerate it: studioctl kafka script > deploy/k8s/kafka-setup.sh"
    )


def compose_setup_path() -> str:
    """Where the kafka-topics container sees deploy/k8s/kafka-setup.sh (read-only)."""
    targets: list[str] = []
    for volume in compose_service("kafka-topics")["volumes"]:
        source, target, *mode = volume.split(":")
        if (ROOT / source).resolve() == SETUP_SCRIPT:
            assert mode == ["ro"], volume
            targets.append(target)
    assert len(targets) == 1, "mount deploy/k8s/kafka-setup.sh into kafka-topics"
    return targets[0]


def k8s_setup_path() -> str:
    """Where the Job sees kafka-setup.sh: the ConfigMap kustomize generates from the file."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    [generator] = [
        entry
        for entry in kustomization.get("configMapGenerator", [])
        if SETUP_SCRIPT.name in entry.get("files", [])
    ]
    job = k8s_object("Job", "kafka-topics")
    volumes = job["spec"]["template"]["spec"]["volumes"]
    [volume] = [v for v in volumes if v.get("configMap", {}).get("name") == generator["name"]]
    [mount] = [m for m in only_container(job)["volumeMounts"] if m["name"] == volume["name"]]
    assert mount.get("readOnly") is True
    return f"{mount['mountPath']}/{SETUP_SCRIPT.name}"


def test_compose_and_the_k8s_job_run_the_same_setup() -> None:
    init = compose_service("kafka-topics")
    container = only_container(k8s_object("Job", "kafka-topics"))
    assert init["image"] == container["image"] == compose_service("kafka")["image"]
    assert init["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    shell, flag, script = init["command"]
    assert (shell, flag) == ("/bin/sh", "-c")
    assert container["command"] == [shell, flag, interpolate(script, {})]
    assert compose_setup_path() == k8s_setup_path()
    assert compose_setup_path() in script


def run_kafka_setup(
    script: str, setup_path: str, env: dict[str, str], tmp_path: Path
) -> tuple[list[tuple[str, dict[str, str]]], Path]:
    """Runs a kafka-topics command with stand-ins for the Kafka tools; returns each call
    (tool, options) and the admin client config the command wrote."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in KAFKA_TOOLS:
        (bin_dir / tool).write_text(FAKE_KAFKA_TOOL)
        (bin_dir / tool).chmod(0o755)
    setup = SETUP_SCRIPT.read_text(encoding="utf-8")
    assert "/opt/kafka/bin/" in setup
    (tmp_path / "kafka-setup.sh").write_text(setup.replace("/opt/kafka/bin/", f"{bin_dir}/"))
    assert setup_path in script
    script = script.replace(setup_path, str(tmp_path / "kafka-setup.sh"))
    admin_config = tmp_path / "admin.properties"
    calls_file = tmp_path / "calls"
    run_env = {
        "PATH": os.environ["PATH"],
        **env,
        "KAFKA_ADMIN_CONFIG": str(admin_config),
        "CALLS": str(calls_file),
    }
    subprocess.run(["/bin/sh", "-c", script], env=run_env, check=True, timeout=30)
    return [(call[0], options(call[1:])) for call in recorded_calls(calls_file)], admin_config


def check_setup_calls(
    calls: list[tuple[str, dict[str, str]]], env: dict[str, str], admin_config: Path
) -> None:
    for tool, call in calls:
        assert tool in KAFKA_TOOLS
        assert call["--bootstrap-server"] == env["KAFKA_BOOTSTRAP"]
        assert call["--command-config"] == str(admin_config)
    check_operator_client_config(
        admin_config, env["KAFKA_SECURITY_PROTOCOL"], env["KAFKA_USERNAME"], env["KAFKA_PASSWORD"]
    )

    topic_calls = [call for tool, call in calls if tool == "kafka-topics.sh"]
    created = {call["--topic"]: call for call in topic_calls}
    assert set(created) == TOPICS | {topics.dlq(topic) for topic in TOPICS}
    assert len(topic_calls) == len(created), "each topic is created once"
    for topic, call in created.items():
        assert "--create" in call
        assert "--if-not-exists" in call, "the setup must be safe to rerun"
        assert call["--replication-factor"] == env["TOPIC_REPLICATION_FACTOR"]
        dlq = topic.endswith(".dlq")
        assert call["--partitions"] == ("1" if dlq else env["TOPIC_PARTITIONS"]), topic

    # Each service's user, with the password that service logs in with.
    user_calls = [call for tool, call in calls if tool == "kafka-configs.sh"]
    users = {call["--entity-name"]: call for call in user_calls}
    assert set(users) == set(kafka_access.SERVICES)
    assert len(user_calls) == len(users)
    for user, call in users.items():
        assert "--alter" in call
        assert call["--entity-type"] == "users"
        password = re.escape(env[KAFKA_SERVICE_PASSWORDS[user]])
        credential = re.fullmatch(
            rf"{kafka_access.MECHANISM}=\[iterations=(\d+),password={password}\]",
            call["--add-config"],
        )
        assert credential, call["--add-config"]
        assert int(credential[1]) >= 4096, "Kafka's least SCRAM iteration count"

    # Exactly the ACLs of the one table, nothing more.
    acl_calls = [call for tool, call in calls if tool == "kafka-acls.sh"]
    granted = []
    for call in acl_calls:
        assert "--add" in call
        assert "--force" in call, "no prompt in a container"
        resource = "TOPIC" if "--topic" in call else "GROUP"
        granted.append(
            kafka_access.Grant(
                call["--allow-principal"],
                resource,
                call[f"--{resource.lower()}"],
                call["--operation"].upper(),
                prefixed=call["--resource-pattern-type"] == "prefixed",
            )
        )
    wanted = {grant for ctx in kafka_access.SERVICES for grant in kafka_access.service_grants(ctx)}
    assert set(granted) == wanted
    assert len(granted) == len(wanted), "each ACL is added once"


def test_compose_kafka_setup_makes_every_topic_user_and_acl(tmp_path: Path) -> None:
    env = compose_env("kafka-topics")
    assert env["KAFKA_BOOTSTRAP"] == compose_env("clients-api")["KAFKA_BOOTSTRAP"]
    assert env["TOPIC_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_USERNAME"] == "operator"
    assert env["KAFKA_PASSWORD"] == SAMPLE_KAFKA_PASSWORDS["KAFKA_OPERATOR_PASSWORD"]
    for ctx, name in KAFKA_SERVICE_PASSWORDS.items():
        assert env[name] == compose_env(f"{ctx}-api")["KAFKA_PASSWORD"], name
        without = {k: v for k, v in SAMPLE_KAFKA_PASSWORDS.items() if k != name}
        with pytest.raises(LookupError):
            compose_env("kafka-topics", without)
    script = interpolate(compose_service("kafka-topics")["command"][2], {})
    calls, admin_config = run_kafka_setup(script, compose_setup_path(), env, tmp_path)
    check_setup_calls(calls, env, admin_config)


def test_k8s_kafka_setup_job_makes_every_topic_user_and_acl(tmp_path: Path) -> None:
    container = only_container(k8s_object("Job", "kafka-topics"))
    env = k8s_env(container)
    assert env["KAFKA_BOOTSTRAP"] == platform_config()["KAFKA_BOOTSTRAP"]
    assert env["KAFKA_USERNAME"] == "operator"
    assert env["KAFKA_PASSWORD"] == "<secret:kafka-users/operator>"
    for ctx, name in KAFKA_SERVICE_PASSWORDS.items():
        service = k8s_env(only_container(k8s_object("Deployment", f"{ctx}-api")))
        assert env[name] == service["KAFKA_PASSWORD"] == f"<secret:kafka-users/{ctx}>", name
    # The admin config goes on the writable /tmp, off the read-only root.
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert env["KAFKA_ADMIN_CONFIG"].startswith("/tmp/")
    calls, admin_config = run_kafka_setup(container["command"][2], k8s_setup_path(), env, tmp_path)
    check_setup_calls(calls, env, admin_config)


def test_docs_explain_the_kafka_passwords_and_the_external_cluster() -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for name in sorted(KAFKA_VARIABLES):
        assert f"`{name}`" in docs, f"docs/deploy.md does not explain {name}"
    assert "kafka-users" in docs, "how the operator creates the Secret kafka-users"
    # What an external cluster must have for the Job and the services to work on it.
    for needed in (
        "SCRAM-SHA-512",
        "SASL_SSL",
        "StandardAuthorizer",
        "allow.everyone.if.no.acl.found=false",
        "auto.create.topics.enable=false",
        "super.users",
        "message.max.bytes",
    ):
        assert needed in docs, needed


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


@pytest.mark.parametrize("ctx", list(API_PORTS))
def test_service_dockerfile_installs_its_own_package_from_the_lock(ctx: str) -> None:
    path = f"services/{ctx}/Dockerfile"
    instructions = dockerfile(path)
    text = (ROOT / path).read_text(encoding="utf-8")
    for other in set(API_PORTS) - {ctx}:
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


@pytest.mark.parametrize("ctx", list(API_PORTS))
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


@pytest.mark.parametrize("ctx", list(API_PORTS))
def test_service_dockerfile_runs_as_non_root_with_its_script(ctx: str) -> None:
    instructions = dockerfile(f"services/{ctx}/Dockerfile")
    user = [args for name, args in instructions if name == "USER"][-1]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) > 0, "a numeric non-root USER"
    cmd = json_form([args for name, args in instructions if name == "CMD"][-1])
    assert cmd[0] in service_pyproject(ctx)["project"]["scripts"]
    assert [args for name, args in instructions if name == "EXPOSE"] == [str(API_PORTS[ctx])]
    for role in roles_of(ctx):
        pod = k8s_object("Deployment", f"{ctx}-{role}")["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == int(uid)


def gateway_modules() -> set[str]:
    """gateway.config.ts, the local modules it imports (`./x.ts`), theirs, and the local
    files they read (`new URL('./x.json', import.meta.url)`), as paths from the root."""
    found: set[str] = set()
    pending = ["gateway.config.ts"]
    while pending:
        name = pending.pop()
        if f"gateway/{name}" in found:
            continue
        found.add(f"gateway/{name}")
        if not name.endswith(".ts"):
            continue
        text = (ROOT / "gateway" / name).read_text(encoding="utf-8")
        pending += re.findall(r"from '\./([\w.-]+)'", text)
        pending += re.findall(r"new URL\('\./([\w.-]+)', import\.meta\.url\)", text)
    return found


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
    # Every module the config imports (and those they import), and the files they read.
    assert gateway_modules() <= copied
    # The trusted documents it serves by hash (web/graph), where GATEWAY_TRUSTED_DOCUMENTS says.
    assert "web/graph/src/generated/persisted-documents.json" in copied
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
    assert refs == {
        ("JWT_SECRET", "platform-secrets"),
        ("GATEWAY_SIGNING_SECRET", "platform-secrets"),
    } | {("KAFKA_PASSWORD", "kafka-users")} | {
        (name, "kafka-users") for name in KAFKA_SERVICE_PASSWORDS.values()
    }
    mounted = {
        volume["secret"]["secretName"]
        for kind in ("Deployment", "Job")
        for workload in k8s_objects(kind).values()
        for volume in workload["spec"]["template"]["spec"].get("volumes", [])
        if "secret" in volume
    }
    assert mounted == {"identity-signing-key"}


@pytest.mark.parametrize(("ctx", "role"), ALL_ROLES)
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


@pytest.mark.parametrize(("ctx", "role"), ALL_ROLES)
def test_k8s_env_uses_settings_names(ctx: str, role: str) -> None:
    env = k8s_env(only_container(k8s_object("Deployment", f"{ctx}-{role}")))
    names = settings_names(ctx)
    assert set(env) <= names, f"not in {ctx}'s Settings: {set(env) - names}"
    assert set(env) >= required_env(ctx), f"missing: {required_env(ctx) - set(env)}"
    assert env["SERVICE_NAME"] == ctx
    assert env["MONGO_DB"] == ctx
    assert env["HTTP_PORT"] == str(API_PORTS[ctx])
    assert env["HTTP_HOST"] == "0.0.0.0"
    assert env["ENVIRONMENT"] == Environment.PRODUCTION.value
    assert env["JWT_SECRET"] == "<secret:platform-secrets/JWT_SECRET>"
    assert "replicaSet=" in env["MONGO_URL"]
    secret = {"JWT_SECRET": SAMPLE_SECRET}
    settings = settings_class(ctx).model_validate(
        {name.lower(): value for name, value in (env | secret).items()}
    )
    assert settings.http_port == API_PORTS[ctx]


@pytest.mark.parametrize(("ctx", "role"), ALL_ROLES)
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


@pytest.mark.parametrize("ctx", list(API_PORTS))
def test_k8s_service_selects_only_the_api_pods(ctx: str) -> None:
    service = k8s_object("Service", f"{ctx}-api")
    selector = service["spec"]["selector"]
    for role in roles_of(ctx):
        labels = k8s_object("Deployment", f"{ctx}-{role}")["spec"]["template"]["metadata"]["labels"]
        assert (selector.items() <= labels.items()) == (role == "api"), role
    container = only_container(k8s_object("Deployment", f"{ctx}-api"))
    [port] = service["spec"]["ports"]
    assert container_port(container, port["targetPort"]) == API_PORTS[ctx]


def test_every_deployment_has_one_autoscaler() -> None:
    deployments = set(k8s_objects("Deployment"))
    assert deployments == {f"{ctx}-{role}" for ctx, role in ALL_ROLES} | {"gateway"}
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
    for ctx in API_PORTS:
        url = urlsplit(env[f"{ctx.upper()}_URL"])
        service = k8s_object("Service", str(url.hostname))
        assert url.port in [p["port"] for p in service["spec"]["ports"]]
        assert service["spec"]["selector"]["app.kubernetes.io/name"] == ctx
        assert url.path == "/graphql"


def test_docs_explain_every_variable_the_manifests_set() -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    names = set(platform_config())
    for name in ["gateway", *(f"{ctx}-{role}" for ctx, role in ALL_ROLES)]:
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
    # The committed objects, and the ConfigMap generated from kafka-setup.sh, whose name
    # kustomize suffixes with a hash of the script and puts in the Job's volume.
    [setup] = [
        doc
        for doc in built
        if doc["kind"] == "ConfigMap" and doc["metadata"]["name"].startswith("kafka-setup-")
    ]
    assert setup["data"] == {SETUP_SCRIPT.name: SETUP_SCRIPT.read_text(encoding="utf-8")}
    assert len(built) == len(k8s_documents()) + 1
    [job] = [doc for doc in built if doc["kind"] == "Job"]
    volumes = job["spec"]["template"]["spec"]["volumes"]
    assert setup["metadata"]["name"] in [v.get("configMap", {}).get("name") for v in volumes]
    images = {
        container["image"]
        for doc in built
        if doc["kind"] in {"Deployment", "Job"}
        for container in doc["spec"]["template"]["spec"]["containers"]
    }
    assert all(":" in image for image in images)


# --- only the gateway reaches a subgraph ------------------------------------------------


def test_gateway_and_every_api_share_the_signing_secret() -> None:
    """The gateway signs each subgraph request; each API checks with the same secret,
    which comes from the Secret (k8s) or must be given (compose), never a default."""
    secret = "<secret:platform-secrets/GATEWAY_SIGNING_SECRET>"
    gateway = k8s_env(only_container(k8s_object("Deployment", "gateway")))
    assert gateway["GATEWAY_SIGNING_SECRET"] == secret
    assert "GATEWAY_SIGNING_SECRET" in gateway_reads()
    for ctx in API_PORTS:
        api = k8s_env(only_container(k8s_object("Deployment", f"{ctx}-api")))
        assert api["GATEWAY_SIGNING_SECRET"] == secret, ctx
    for name in ["gateway", *(f"{ctx}-api" for ctx in API_PORTS)]:
        raw = compose_service(name)["environment"]["GATEWAY_SIGNING_SECRET"]
        assert re.fullmatch(r"\$\{GATEWAY_SIGNING_SECRET:\?[^}]+\}", raw), name
        assert interpolate(raw, {"GATEWAY_SIGNING_SECRET": SAMPLE_SECRET}) == SAMPLE_SECRET
        with pytest.raises(LookupError):
            interpolate(raw, {})


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a Kubernetes label selector (matchLabels, matchExpressions) selects `labels`."""
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        present = labels.get(expression["key"])
        operator, values = expression["operator"], expression.get("values", [])
        if operator == "In" and present not in values:
            return False
        if operator == "NotIn" and present in values:
            return False
        if operator == "Exists" and present is None:
            return False
        if operator == "DoesNotExist" and present is not None:
            return False
    return True


def ingress_sources(labels: dict[str, str]) -> list[tuple[str, dict[str, Any], list[Any]]]:
    """What may reach pods with `labels`: (kind, selector, ports) of every `from` entry of
    every NetworkPolicy selecting them; [("any", …)] when none isolates them."""
    sources: list[tuple[str, dict[str, Any], list[Any]]] = []
    isolated = False
    for policy in k8s_objects("NetworkPolicy").values():
        spec = policy["spec"]
        if not _selects(spec["podSelector"], labels) or "Ingress" not in spec["policyTypes"]:
            continue
        isolated = True
        for rule in spec.get("ingress", []):
            assert rule.get("from"), (
                f"{policy['metadata']['name']}: a rule without `from` admits all"
            )
            for peer in rule["from"]:
                assert len(peer) == 1, "one selector per peer (both together mean AND)"
                [(kind, selector)] = peer.items()
                sources.append((kind, selector, [p["port"] for p in rule.get("ports", [])]))
    return sources if isolated else [("any", {}, [])]


def gateway_labels() -> dict[str, str]:
    labels = k8s_object("Deployment", "gateway")["spec"]["template"]["metadata"]["labels"]
    return dict(labels)


@pytest.mark.parametrize(("ctx", "role"), SERVICE_ROLES)
def test_only_the_gateway_and_the_metrics_scraper_reach_a_service_pod(ctx: str, role: str) -> None:
    deployment = k8s_object("Deployment", f"{ctx}-{role}")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    container = only_container(deployment)
    sources = ingress_sources(labels)
    assert sources[0][0] != "any", f"no NetworkPolicy isolates {ctx}-{role}"
    pod_peers = [selector for kind, selector, _ in sources if kind == "podSelector"]
    namespaces = [selector for kind, selector, _ in sources if kind == "namespaceSelector"]
    assert {kind for kind, _, _ in sources} <= {"podSelector", "namespaceSelector"}
    # Pods of this namespace: the gateway's, and only for an API; identity's API also
    # reaches the clients and notifications APIs (the app's sign-in, docs/identity.md).
    callers = {"gateway"} | (
        {"identity-api"} if (ctx, role) in {("clients", "api"), ("notifications", "api")} else set()
    )
    for selector in pod_peers:
        admitted = set()
        for other in k8s_objects("Deployment").values():
            other_labels = other["spec"]["template"]["metadata"]["labels"]
            if _selects(selector, other_labels):
                admitted.add(other["metadata"]["name"])
        assert admitted and admitted <= callers, (selector, admitted)
    assert any(_selects(s, gateway_labels()) for s in pod_peers) == (role == "api")
    assert bool(pod_peers) == (role == "api")
    # Other namespaces: the metrics scraper's only (an empty selector would admit all).
    assert namespaces, "Prometheus must still reach /metrics"
    for selector in namespaces:
        assert selector == {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
    for _, _, ports in sources:
        assert ports, "name the port"
        assert {container_port(container, port) for port in ports} == {PORTS[ctx]}


def test_the_gateway_is_not_isolated_by_the_service_policies() -> None:
    assert ingress_sources(gateway_labels())[0][0] == "any"


# --- identity: sign-in, its signing key and the keys every verifier fetches -------------


def identity_pod() -> dict[str, Any]:
    pod = k8s_object("Deployment", "identity-api")["spec"]["template"]["spec"]
    assert isinstance(pod, dict)
    return pod


def local_contexts(name: str) -> list[str]:
    """A bash array of deploy/local/lib.sh, e.g. CONTEXTS=(clients ranks …)."""
    text = (ROOT / "deploy" / "local" / "lib.sh").read_text(encoding="utf-8")
    found = re.search(rf"^{name}=\(([^)]*)\)$", text, re.MULTILINE)
    assert found, f"deploy/local/lib.sh has no {name}"
    return found[1].split()


def test_identity_uses_no_kafka_anywhere() -> None:
    """It publishes and reads no events, so it has no Kafka user, no consumer or relay,
    an empty KAFKA_BOOTSTRAP, and waits for MongoDB alone."""
    service = importlib.import_module("identity.entrypoints.service")
    events = importlib.import_module("identity.events")
    assert events.catalog.names() == []
    assert service.definition().uses_kafka is False
    assert IDENTITY not in kafka_access.SERVICES
    for role in ("consumer", "relay"):
        assert f"{IDENTITY}-{role}" not in compose()["services"]
        assert f"{IDENTITY}-{role}" not in k8s_objects("Deployment")
    container = only_container(k8s_object("Deployment", "identity-api"))
    for env in (compose_env("identity-api"), k8s_env(container)):
        assert env["KAFKA_BOOTSTRAP"] == ""
        assert "KAFKA_USERNAME" not in env and "KAFKA_PASSWORD" not in env
    assert compose_service("identity-api")["depends_on"] == {
        "mongo": {"condition": "service_healthy"}
    }
    # The local stack gives a Kafka user to the services of the table, and to no other.
    assert local_contexts("CONTEXTS") == list(API_PORTS)
    assert local_contexts("KAFKA_CONTEXTS") == list(kafka_access.SERVICES)


def test_identity_signs_with_a_key_mounted_from_a_secret() -> None:
    # compose: the host's file, required, mounted as a secret where the setting points.
    raw = compose()["secrets"]["identity_signing_key"]["file"]
    assert re.fullmatch(r"\$\{IDENTITY_SIGNING_KEY_FILE:\?[^}]+\}", raw)
    with pytest.raises(LookupError):
        interpolate(raw, {})
    assert compose_service("identity-api")["secrets"] == ["identity_signing_key"]
    assert compose_env("identity-api")["IDENTITY_SIGNING_KEY_FILE"] == (
        "/run/secrets/identity_signing_key"
    )
    # Kubernetes: the Secret identity-signing-key, read-only, readable by the pod's group only.
    pod = identity_pod()
    container = only_container(k8s_object("Deployment", "identity-api"))
    key_file = Path(k8s_env(container)["IDENTITY_SIGNING_KEY_FILE"])
    [(mount, volume)] = [
        (m, v)
        for m in container["volumeMounts"]
        for v in pod["volumes"]
        if m["name"] == v["name"] and "secret" in v
    ]
    assert mount["readOnly"] is True
    assert key_file.parent == Path(mount["mountPath"])
    assert volume["secret"]["secretName"] == "identity-signing-key"
    assert [item["path"] for item in volume["secret"]["items"]] == [key_file.name]
    assert volume["secret"]["defaultMode"] & 0o047 == 0o040, "group-readable, no more"
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"]
    # Production refuses to start without it.
    env = compose_env("identity-api")
    settings = {name.lower(): value for name, value in env.items()}
    del settings["identity_signing_key_file"]
    with pytest.raises(ValueError, match="IDENTITY_SIGNING_KEY_FILE"):
        settings_class(IDENTITY).model_validate(settings)


def test_every_verifier_fetches_the_identity_keys() -> None:
    routes = importlib.import_module("identity.entrypoints.routes")
    url = urlsplit(IDENTITY_JWKS_URL)
    assert url.path == routes.JWKS_PATH
    assert url.port == API_PORTS[IDENTITY]
    # compose: every service process and the gateway, by default; the identity container.
    for name in ["gateway", *(f"{ctx}-{role}" for ctx, role in ALL_ROLES)]:
        assert compose_env(name)["JWT_JWKS_URL"] == IDENTITY_JWKS_URL, name
    assert url.hostname in compose()["services"]
    assert str(url.port) == compose_env(str(url.hostname))["HTTP_PORT"]
    # Kubernetes: the same address, the identity API's Service.
    for name, deployment in k8s_objects("Deployment").items():
        assert k8s_env(only_container(deployment))["JWT_JWKS_URL"] == IDENTITY_JWKS_URL, name
    service = k8s_object("Service", str(url.hostname))
    assert service["spec"]["selector"] == {
        "app.kubernetes.io/name": IDENTITY,
        "app.kubernetes.io/component": "api",
    }
    assert url.port in [p["port"] for p in service["spec"]["ports"]]


def test_the_gateway_passes_sign_in_on_to_identity() -> None:
    config = (ROOT / "gateway" / "gateway.config.ts").read_text(encoding="utf-8")
    assert "identity: 'IDENTITY_URL'" in config
    assert "service: 'identity'" in config
    for env in (
        compose_env("gateway"),
        k8s_env(only_container(k8s_object("Deployment", "gateway"))),
    ):
        assert env["IDENTITY_URL"] == "http://identity-api:4106/graphql"


def test_identity_is_reached_by_the_gateway_the_apis_and_the_scraper_only() -> None:
    deployment = k8s_object("Deployment", "identity-api")
    sources = ingress_sources(deployment["spec"]["template"]["metadata"]["labels"])
    assert {kind for kind, _, _ in sources} == {"podSelector", "namespaceSelector"}
    pod_peers = [selector for kind, selector, _ in sources if kind == "podSelector"]
    for name, other in k8s_objects("Deployment").items():
        labels = other["spec"]["template"]["metadata"]["labels"]
        admitted = any(_selects(selector, labels) for selector in pod_peers)
        # The gateway calls it; every API fetches its keys; consumers and relays verify
        # no tokens.
        assert admitted == (name == "gateway" or name.endswith("-api")), name
    job = k8s_object("Job", "kafka-topics")["spec"]["template"]["metadata"]["labels"]
    assert not any(_selects(selector, job) for selector in pod_peers)
    for kind, selector, _ in sources:
        if kind == "namespaceSelector":
            assert selector == {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
    container = only_container(deployment)
    for _, _, ports in sources:
        assert {container_port(container, port) for port in ports} == {API_PORTS[IDENTITY]}


def test_identity_is_sized_and_scaled_as_a_subgraph() -> None:
    container = only_container(k8s_object("Deployment", "identity-api"))
    clients = only_container(k8s_object("Deployment", "clients-api"))
    assert container["resources"] == clients["resources"]
    assert container["securityContext"] == clients["securityContext"]
    hpa = k8s_object("HorizontalPodAutoscaler", "identity-api")
    assert hpa["spec"]["minReplicas"] >= 2, "nobody signs in while it is away"
    assert k8s_object("PodDisruptionBudget", "identity-api")["spec"]["minAvailable"] == 1
