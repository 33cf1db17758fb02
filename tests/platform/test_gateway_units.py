"""The gateway's own TypeScript units (`gateway/tests/*.test.ts`, Node's test runner with
the gateway's TypeScript loader): the shared live streams' cursors, joins, expiry and
back-pressure, without a stack (`npm test` in gateway/)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from plumbing.testing import ROOT

GATEWAY = ROOT / "gateway"


def test_the_gateway_units_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH; Node 20 runs the gateway")
    if not (GATEWAY / "node_modules" / "@graphql-hive" / "importer").is_dir():
        pytest.fail("gateway/node_modules is missing; run `npm ci` in gateway/ (or `make up`)")
    tests = sorted(str(path) for path in (GATEWAY / "tests").glob("*.test.ts"))
    assert tests, "no gateway unit tests found"
    run = subprocess.run(
        [node, "--import", "./tests/register.mjs", "--test", *tests],
        cwd=GATEWAY,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout and "# pass 0" not in run.stdout, run.stdout[-2000:]
