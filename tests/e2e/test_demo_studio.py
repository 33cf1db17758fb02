"""The demo studio `make up` loads goes through the public graph like any caller: when a
mutation's shape changes, the loader must change with it, or a newcomer's first
`make up` fails. `make test` starts the stack without the demo, so this test loads one."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from plumbing.testing import ROOT, Graph, jwt_secret, unique_tenant

STUDIOCTL = Path(sys.executable).with_name("studioctl")


@pytest.mark.slow
async def test_the_demo_studio_loads_through_the_graph() -> None:
    tenant = unique_tenant("demo")
    done = await asyncio.to_thread(
        subprocess.run,
        [str(STUDIOCTL), "demo", "--tenant", tenant],
        cwd=ROOT,
        env={**os.environ, "JWT_SECRET": jwt_secret(), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    owner = Graph(tenant, ["OWNER"])
    try:
        data = await owner(
            "{ clients(first: 50) { totalCount edges { node { bookingBlock { mode reason } } } }"
            " loyaltyProgram { enabled } }"
        )
    finally:
        await owner.close()
    assert data["clients"]["totalCount"] >= 10
    assert data["loyaltyProgram"]["enabled"] is True
    blocks = [e["node"]["bookingBlock"] for e in data["clients"]["edges"]]
    assert {"mode": "WAITLIST_ONLY", "reason": "No se presentó a tres clases seguidas"} in blocks
