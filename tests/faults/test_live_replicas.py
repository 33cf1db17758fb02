"""Live updates with two more clients API processes (`deploy/local/services.sh replicas`,
as deploy/k8s runs several): a subscription lives on whichever replica its connection
reached, every replica's feed reads every event, so each subscriber gets each change
once; a subscriber that comes back on another replica with its last cursor gets what it
missed, once (docs/live-updates.md).

The replicas are called directly with the gateway's signature, as the gateway calls
them. CLIENTS_REPLICA_URLS (two URLs, comma-separated) points the test at processes
started by hand instead of `services.sh replicas`."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.live_testing import LiveCaller, over_sse
from plumbing.testing import GATEWAY_URL, ROOT, Graph, replica_url

from ..e2e.test_live_updates import CARD, points_changes, points_earned, started, token
from ..journeys import new_client, publish

pytestmark = pytest.mark.slow


def services(*args: str) -> None:
    subprocess.run(["bash", str(ROOT / "deploy/local/services.sh"), *args], check=True, timeout=180)


@pytest.fixture
async def replicas() -> AsyncIterator[list[str]]:
    given = os.environ.get("CLIENTS_REPLICA_URLS")
    if given:
        yield given.split(",")
        return
    await asyncio.to_thread(services, "replicas", "clients", "2", "0")
    try:
        yield [replica_url("clients", "api", n) for n in (1, 2)]
    finally:
        await asyncio.to_thread(services, "replicas", "clients", "0", "0")


async def first_points(caller: LiveCaller) -> list[dict[str, Any]]:
    # A replica started a moment ago executes its first change cold, on a loaded machine.
    return await points_changes(caller, quiet=1.5, first=45.0)


async def test_each_subscriber_gets_each_change_once_whichever_replica_serves_it(
    replicas: list[str],
    tenant: str,
    graphs: Callable[..., Graph],
    producer: AIOKafkaProducer,
) -> None:
    owner = graphs(tenant, "OWNER")
    ana = await new_client(owner, "Ana")
    one, two = replicas
    async with (
        over_sse(one, token(owner), CARD, {"id": ana}, signed=True) as on_one,
        over_sse(two, token(owner), CARD, {"id": ana}, signed=True) as on_two,
        over_sse(GATEWAY_URL, token(owner), CARD, {"id": ana}) as through_gateway,
    ):
        for caller in (on_one, on_two, through_gateway):
            await started(caller, "clientCard")
        await publish(producer, topics.LOYALTY, points_earned(tenant, ana, 30))
        for caller in (on_one, on_two, through_gateway):
            [change] = await first_points(caller)
            assert change["pointsBalance"] == 30
    # Away from replica one after its first change; back on replica two with the cursor.
    async with over_sse(one, token(owner), CARD, {"id": ana}, signed=True) as before:
        await started(before, "clientCard")
        await publish(producer, topics.LOYALTY, points_earned(tenant, ana, 40))
        seen = await before.next()
        assert seen is not None
        while seen["data"]["clientCard"]["change"]["area"] != "POINTS":
            seen = await before.next()
            assert seen is not None
        cursor = seen["data"]["clientCard"]["cursor"]
    await publish(producer, topics.LOYALTY, points_earned(tenant, ana, 50))  # while away
    await publish(producer, topics.LOYALTY, points_earned(tenant, ana, 60))
    variables = {"id": ana, "after": cursor}
    async with over_sse(two, token(owner), CARD, variables, signed=True) as back:
        await started(back, "clientCard")
        missed = await first_points(back)
        assert [c["pointsBalance"] for c in missed] == [50, 60], missed
