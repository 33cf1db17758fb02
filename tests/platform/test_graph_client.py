"""The typed client of the graph (web/graph): its operations are valid against the public
schema, its generated types and trusted-documents manifest are up to date, and it
type-checks under TypeScript's strictest settings. `npm run check` in web/ does all
three; a stale operation or a schema change that breaks one fails here."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
GRAPH = WEB / "graph"


def npm(*args: str, cwd: Path = WEB) -> subprocess.CompletedProcess[str]:
    path = shutil.which("npm")
    if path is None:
        pytest.fail("npm is not on PATH; Node 20 with npm is needed")
    if not (WEB / "node_modules" / "@graphql-codegen").is_dir():
        pytest.fail("web/node_modules is missing; run `make up` (or `npm ci` in web/)")
    return subprocess.run(
        [path, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_typed_client_is_generated_from_the_current_schema_and_type_checks() -> None:
    result = npm("run", "check")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_an_operation_the_schema_does_not_have_fails_the_check(tmp_path: Path) -> None:
    copy = tmp_path / "graph"
    shutil.copytree(GRAPH, copy, ignore=shutil.ignore_patterns("node_modules"))
    (copy / "codegen.ts").write_text(
        (GRAPH / "codegen.ts").read_text().replace("../../gateway/", f"{ROOT}/gateway/")
    )
    (copy / "src/operations/broken.graphql").write_text("query Broken { clients { nope } }\n")
    (copy / "node_modules").symlink_to(WEB / "node_modules")
    result = npm("exec", "--", "graphql-codegen", "--config", "codegen.ts", "--check", cwd=copy)
    assert result.returncode != 0
    assert 'Cannot query field "nope"' in result.stdout + result.stderr


def test_every_operation_is_a_trusted_document() -> None:
    manifest = json.loads((GRAPH / "src/generated/persisted-documents.json").read_text())
    operations = "".join(p.read_text() for p in (GRAPH / "src/operations").glob("*.graphql"))
    names = {
        line.split()[1].split("(")[0]
        for line in operations.splitlines()
        if line.startswith(("query ", "mutation ", "subscription "))
    }
    documents = "\n".join(manifest.values())
    assert names and all(f" {name}" in documents for name in names)
    assert all(key.startswith("sha256:") and len(key) == 71 for key in manifest)
