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

from ..journeys import run_job_now

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
        # What the demo shows of the seeds' remaining gaps: seniority at the job's next
        # run (R5), edited custom fields (C5), automations edited and paused (L7), consent
        # evidence (B8), the appointment reminder with the points (L10).
        await run_job_now(owner)  # the consumer runs it at start and every 15 minutes too
        people = (
            await owner(
                """{ clients(first: 50) { edges { node { firstName lastName
                ranks { rank { name } } consentHistory { via consentVersion }
                customFields { field { label } value retiredChoice } } } } }"""
            )
        )["clients"]["edges"]
        automations = (await owner("{ pointsAutomations { trigger visitCount active } }"))[
            "pointsAutomations"
        ]
        templates = (
            await owner("{ notificationTemplates { key channel language body customized } }")
        )["notificationTemplates"]
    finally:
        await owner.close()
    assert data["clients"]["totalCount"] >= 10
    assert data["loyaltyProgram"]["enabled"] is True
    blocks = [e["node"]["bookingBlock"] for e in data["clients"]["edges"]]
    assert {"mode": "WAITLIST_ONLY", "reason": "No se presentó a tres clases seguidas"} in blocks
    cards = {f"{e['node']['firstName']} {e['node']['lastName']}": e["node"] for e in people}
    assert {"rank": {"name": "Nivel 2"}} in cards["Carmen Ruiz"]["ranks"]
    assert cards["Marco Rossi"]["consentHistory"][0]["via"] == "IN_PERSON"
    assert {"field": {"label": "Talla de kimono"}, "value": "200", "retiredChoice": True} in (
        cards["Javier Martínez"]["customFields"]
    )
    assert ("VISIT_COUNT", 25, False) in {
        (a["trigger"], a["visitCount"], a["active"]) for a in automations
    }
    [reminder] = [
        t
        for t in templates
        if (t["key"], t["channel"], t["language"]) == ("appointment_reminder", "SMS", "es")
    ]
    assert reminder["customized"] and "{points}" in reminder["body"]
