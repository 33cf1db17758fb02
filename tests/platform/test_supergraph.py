"""The committed supergraph is what the committed subgraph SDLs compose to.

`gateway/compose.mjs --check` composes `services/<ctx>/schema.graphql` in memory and
compares the result with `gateway/supergraph.graphql`. These tests run it, prove that it
does catch a change, and check that the supergraph routes to the five subgraphs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import EnumTypeDefinitionNode, StringValueNode, parse

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "gateway"
COMPOSE = GATEWAY / "compose.mjs"
SUPERGRAPH = GATEWAY / "supergraph.graphql"

# Subgraph name -> the routing URL the committed supergraph must carry. Other hosts are
# set at run time through the gateway's *_URL variables, never by recomposing.
SUBGRAPHS = {
    "clients": "http://127.0.0.1:4101/graphql",
    "ranks": "http://127.0.0.1:4102/graphql",
    "loyalty": "http://127.0.0.1:4103/graphql",
    "crm": "http://127.0.0.1:4104/graphql",
    "notifications": "http://127.0.0.1:4105/graphql",
    "identity": "http://127.0.0.1:4106/graphql",
}

# Variables compose.mjs reads; a developer's shell must not change what the check sees.
COMPOSE_ENV = ("SDL_DIR", "SUPERGRAPH_PATH", *(f"{name.upper()}_URL" for name in SUBGRAPHS))


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail("node is not on PATH; Node 20 is needed to compose the supergraph")
    if not (GATEWAY / "node_modules" / "@theguild" / "federation-composition").is_dir():
        pytest.fail("gateway/node_modules is missing; run `npm ci` in gateway/ (or `make up`)")
    return path


def run_compose(node: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in COMPOSE_ENV}
    return subprocess.run(
        [node, str(COMPOSE), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}{result.stderr}"


def copy_sdls(target: Path) -> None:
    for name in SUBGRAPHS:
        source = ROOT / "services" / name / "schema.graphql"
        if not source.is_file():
            pytest.fail(f"{source.relative_to(ROOT)} is missing; export the {name} subgraph SDL")
        (target / name).mkdir(parents=True)
        shutil.copyfile(source, target / name / "schema.graphql")


def test_committed_supergraph_matches_the_subgraph_sdls(node: str) -> None:
    result = run_compose(node, "--check")
    assert result.returncode == 0, (
        "`node gateway/compose.mjs --check` failed; if the supergraph is stale, run "
        "`make compose` and commit gateway/supergraph.graphql.\n" + output(result)
    )


def test_drift_check_fails_when_a_subgraph_sdl_changes(node: str, tmp_path: Path) -> None:
    sdl_dir = tmp_path / "services"
    copy_sdls(sdl_dir)
    # Control: the unchanged copy passes, so a failure below is the change being caught.
    same = run_compose(node, "--check", "--sdl-dir", str(sdl_dir), "--out", str(SUPERGRAPH))
    assert same.returncode == 0, output(same)

    with (sdl_dir / "ranks" / "schema.graphql").open("a", encoding="utf-8") as sdl:
        sdl.write("\nextend type Query {\n  driftProbe: Int\n}\n")
    drifted = run_compose(node, "--check", "--sdl-dir", str(sdl_dir), "--out", str(SUPERGRAPH))

    assert drifted.returncode == 1, output(drifted)
    assert "differs" in drifted.stderr
    assert "+   driftProbe: Int" in drifted.stderr, drifted.stderr


def test_compose_writes_a_supergraph_that_then_passes_the_check(node: str, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "supergraph.graphql"

    written = run_compose(node, "--out", str(out))
    assert written.returncode == 0, output(written)

    # Written through a temporary file and a rename: nothing else is left behind but the
    # public API schema beside it.
    assert sorted(p.name for p in out_dir.iterdir()) == ["schema.graphql", "supergraph.graphql"]
    api = (out_dir / "schema.graphql").read_text()
    assert "join__" not in api and "type Query" in api
    checked = run_compose(node, "--check", "--out", str(out))
    assert checked.returncode == 0, output(checked)


def test_supergraph_routes_to_the_six_subgraphs() -> None:
    if not SUPERGRAPH.is_file():
        pytest.fail("gateway/supergraph.graphql is missing; run `make compose` and commit it")
    document = parse(SUPERGRAPH.read_text(encoding="utf-8"))

    graphs: dict[str, str] = {}
    for definition in document.definitions:
        if (
            isinstance(definition, EnumTypeDefinitionNode)
            and definition.name.value == "join__Graph"
        ):
            for value in definition.values or ():
                for directive in value.directives or ():
                    if directive.name.value != "join__graph":
                        continue
                    args = {
                        arg.name.value: arg.value.value
                        for arg in directive.arguments or ()
                        if isinstance(arg.value, StringValueNode)
                    }
                    graphs[args["name"]] = args["url"]

    assert graphs == SUBGRAPHS
