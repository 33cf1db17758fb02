"""The card subscription from Node's own clients, graphql-sse and graphql-ws (the token
in `connectionParams`, as browsers send it): web/live/subscriptions.mjs."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.auth import mint_token
from plumbing.testing import GATEWAY_URL, Graph, jwt_secret

from tests.journeys import upload_csv

from ..journeys import crm_client, new_client, publish, rank_category, visit
from .test_live_sessions import signed_in_operator
from .test_live_updates import points_earned, token

SCRIPT = Path(__file__).resolve().parents[2] / "web" / "live" / "subscriptions.mjs"


async def lines_until(
    process: asyncio.subprocess.Process, wanted: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    assert process.stdout is not None
    seen: list[dict[str, Any]] = []
    while not wanted(seen):
        line = await asyncio.wait_for(process.stdout.readline(), 20)
        assert line, f"the script ended early: {seen}"
        seen.append(json.loads(line))
    return seen


def kinds(seen: list[dict[str, Any]], via: str) -> list[str]:
    return [
        s["payload"]["data"]["clientCard"]["kind"]
        for s in seen
        if s["via"] == via and "payload" in s
    ]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")
async def test_node_clients_receive_the_points_over_sse_and_websocket(
    tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    owner = graphs(tenant, "OWNER")
    ana = await new_client(owner, "Ana")
    env = {**os.environ, "GATEWAY_URL": GATEWAY_URL, "TOKEN": token(owner), "CLIENT_ID": ana}
    process = await asyncio.create_subprocess_exec(
        "node", str(SCRIPT), env=env, stdout=asyncio.subprocess.PIPE
    )
    try:

        def both_started(lines: list[dict[str, Any]]) -> bool:
            return all(kinds(lines, via) for via in ("sse", "ws"))

        seen = await lines_until(process, both_started)
        assert kinds(seen, "sse") == kinds(seen, "ws") == ["STARTED"], seen
        await publish(producer, topics.LOYALTY, points_earned(tenant, ana, 40))

        def points(lines: list[dict[str, Any]], via: str) -> list[dict[str, Any]]:
            # The card's timeline lines (crm's, for its creation and this purchase) may
            # come too, whenever crm's relay publishes them.
            changes = [
                s["payload"]["data"]["clientCard"]["change"]
                for s in lines
                if s["via"] == via and "payload" in s
            ]
            return [c for c in changes if c and c["area"] == "POINTS"]

        def both_changed(lines: list[dict[str, Any]]) -> bool:
            return all(points(lines, via) for via in ("sse", "ws"))

        more = await lines_until(process, both_changed)
        for via in ("sse", "ws"):
            assert points(more, via) == [{"area": "POINTS", "pointsBalance": 40}], more
    finally:
        process.kill()
        await process.wait()


INBOX = "subscription { staffInbox { kind } }"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")
async def test_node_clients_are_ended_when_the_token_expires(tenant: str) -> None:
    """graphql-sse gets the error as the stream's last event; graphql-ws gets it, then the
    connection closes 4401 with the reason (a code graphql-ws does not retry on)."""
    short = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], ttl_seconds=3)
    env = {**os.environ, "GATEWAY_URL": GATEWAY_URL, "TOKEN": short, "QUERY": INBOX}
    process = await asyncio.create_subprocess_exec(
        "node", str(SCRIPT), env=env, stdout=asyncio.subprocess.PIPE
    )
    try:

        def ended(lines: list[dict[str, Any]]) -> bool:
            sse_done = any(s["via"] == "sse" and ("done" in s or "error" in s) for s in lines)
            return sse_done and any("closed" in s for s in lines)

        seen = await lines_until(process, ended)
        for via in ("sse", "ws"):
            payloads = [s["payload"] for s in seen if s["via"] == via and "payload" in s]
            assert payloads[0]["data"]["staffInbox"]["kind"] == "STARTED", seen
            [error] = payloads[-1]["errors"]
            why = error["extensions"]
            assert (why["code"], why["reason"]) == ("UNAUTHENTICATED", "TOKEN_EXPIRED")
        [closed] = [s["closed"] for s in seen if "closed" in s]
        assert closed == {"code": 4401, "reason": "Unauthorized: TOKEN_EXPIRED"}, seen
    finally:
        process.kill()
        await process.wait()


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")
async def test_node_graphql_ws_is_refused_at_connect_and_ended_by_a_sign_out(
    graphs: Callable[..., Graph],
) -> None:
    """graphql-ws with a forged token: closed 4401 TOKEN_INVALID before any payload. With a
    signed-in person's token: STARTED, then signing out everywhere ends it
    (SESSION_REVOKED, then 4401), and graphql-sse's stream likewise."""
    forged = mint_token("not-the-secret-" * 3, tenant="t-forged", roles=["OWNER"])
    env = {**os.environ, "GATEWAY_URL": GATEWAY_URL, "TOKEN": forged, "QUERY": INBOX}
    refused = await asyncio.create_subprocess_exec(
        "node", str(SCRIPT), env={**env, "ONLY": "ws"}, stdout=asyncio.subprocess.PIPE
    )
    try:
        seen = await lines_until(refused, lambda ls: any("closed" in s for s in ls))
        assert not [s for s in seen if "payload" in s], seen
        [closed] = [s["closed"] for s in seen if "closed" in s]
        assert closed == {"code": 4401, "reason": "Unauthorized: TOKEN_INVALID"}
    finally:
        refused.kill()
        await refused.wait()

    tenant, access = await signed_in_operator(graphs)
    following = await asyncio.create_subprocess_exec(
        "node", str(SCRIPT), env={**env, "TOKEN": access}, stdout=asyncio.subprocess.PIPE
    )
    try:
        await lines_until(
            following,
            lambda ls: all(any("payload" in s for s in ls if s["via"] == v) for v in ("sse", "ws")),
        )
        await graphs(tenant, token=access)("mutation { signOutEverywhere { signedOut } }")

        def ended(lines: list[dict[str, Any]]) -> bool:
            sse_done = any(s["via"] == "sse" and ("done" in s or "error" in s) for s in lines)
            return sse_done and any("closed" in s for s in lines)

        seen = await lines_until(following, ended)
        for via in ("sse", "ws"):
            last = [s["payload"] for s in seen if s["via"] == via and "payload" in s][-1]
            assert last["errors"][0]["extensions"]["reason"] == "SESSION_REVOKED", seen
        [closed] = [s["closed"] for s in seen if "closed" in s]
        assert closed == {"code": 4401, "reason": "Unauthorized: SESSION_REVOKED"}, seen
    finally:
        following.kill()
        await following.wait()


INBOX_ENTRIES = "subscription { staffInbox { kind notification { kind message client { id } } } }"
ASSIGN = """mutation($c: ID!, $r: ID!) {
  assignRank(clientId: $c, rankId: $r) { clientRank { since } userErrors { code } } }"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")
async def test_a_partners_visits_make_the_client_eligible_and_the_open_inbox_hears_it(
    tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    """The whole way: visits on Kafka → ranks finds the client eligible → notifications
    writes the staff notification → the owner's open inbox (Node, SSE and WebSocket)
    receives it; an operator, whom the category does not notify, receives nothing."""
    owner = graphs(tenant, "OWNER")
    operator = graphs(tenant, "OPERATOR")
    _, (white, _) = await rank_category(
        owner,
        [("White", {"criteria": None}), ("Yellow", {"criteria": {"minVisits": 2}})],
        autoPromote=False,
        notifyOnEligibility=True,
        notifyRoles=["OWNER"],
        notifyClient=False,
    )
    ana = await new_client(owner, "Ana")
    assigned = await owner(ASSIGN, {"c": ana, "r": white})
    since = datetime.fromisoformat(assigned["assignRank"]["clientRank"]["since"])

    def opened(graph: Graph) -> dict[str, str]:
        return {**os.environ, "GATEWAY_URL": GATEWAY_URL, "TOKEN": token(graph)}

    owners = await asyncio.create_subprocess_exec(
        "node",
        str(SCRIPT),
        env={**opened(owner), "QUERY": INBOX_ENTRIES},
        stdout=asyncio.subprocess.PIPE,
    )
    operators = await asyncio.create_subprocess_exec(
        "node",
        str(SCRIPT),
        env={**opened(operator), "QUERY": INBOX_ENTRIES, "ONLY": "ws"},
        stdout=asyncio.subprocess.PIPE,
    )
    try:

        def entries(lines: list[dict[str, Any]], via: str) -> list[dict[str, Any]]:
            return [
                s["payload"]["data"]["staffInbox"]
                for s in lines
                if s["via"] == via and "payload" in s
            ]

        seen = await lines_until(owners, lambda ls: all(entries(ls, v) for v in ("sse", "ws")))
        await lines_until(operators, lambda ls: bool(entries(ls, "ws")))
        for number in (1, 2):
            await visit(producer, tenant, ana, since + timedelta(seconds=number))

        def notified(lines: list[dict[str, Any]]) -> bool:
            return all(len(entries(seen + lines, v)) == 2 for v in ("sse", "ws"))

        more = await asyncio.wait_for(lines_until(owners, notified), 90)
        for via in ("sse", "ws"):
            [started_, entry] = entries(seen + more, via)
            assert started_["kind"] == "STARTED" and entry["kind"] == "CHANGE"
            assert entry["notification"]["kind"] == "RANK_ELIGIBLE"
            assert entry["notification"]["client"] == {"id": ana}
            assert "Yellow" in entry["notification"]["message"]
        assert operators.stdout is not None
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(operators.stdout.readline(), 2.0)
    finally:
        for process in (owners, operators):
            process.kill()
            await process.wait()


IMPORT_PROGRESS = """subscription($id: ID!) {
  importJobProgress(id: $id) { kind progress { status processed created errorCount } } }"""
TODAY = "subscription { crmToday { kind lastFactAppliedAt summary { activeInApp } } }"
APP_EVENT = """mutation($c: ID!, $at: DateTime!) {
  recordAppEvent(clientId: $c, kind: SESSION_STARTED, platform: IOS, occurredAt: $at) {
    accepted } }"""


async def node_following(graph: Graph, query: str, **variables: str) -> Any:
    env = {
        **os.environ,
        "GATEWAY_URL": GATEWAY_URL,
        "TOKEN": token(graph),
        "QUERY": query,
        "VARIABLES": json.dumps(variables),
    }
    return await asyncio.create_subprocess_exec(
        "node", str(SCRIPT), env=env, stdout=asyncio.subprocess.PIPE
    )


def updates_of(lines: list[dict[str, Any]], via: str, field: str) -> list[dict[str, Any]]:
    return [s["payload"]["data"][field] for s in lines if s["via"] == via and "payload" in s]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")
async def test_node_clients_follow_an_import_to_its_end(owner: Graph) -> None:
    csv = "first name,last name\nAna,Ruiz\nBea,Gil\n,Nameless\n"
    job = (await upload_csv(owner, csv.encode()))["data"]["importClients"]["job"]
    process = await node_following(owner, IMPORT_PROGRESS, id=job["id"])
    try:

        def ended(lines: list[dict[str, Any]]) -> bool:
            return all(any("done" in s for s in lines if s["via"] == v) for v in ("sse", "ws"))

        seen = await lines_until(process, ended)
        for via in ("sse", "ws"):
            last = updates_of(seen, via, "importJobProgress")[-1]["progress"]
            assert last == {"status": "COMPLETED", "processed": 3, "created": 2, "errorCount": 1}
    finally:
        process.kill()
        await process.wait()


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")
async def test_node_clients_see_the_days_counters_move(
    owner: Graph, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    ana = await crm_client(owner, producer, "Ana")
    partner = graphs(owner.tenant, "PARTNER", subject="app-partner")
    process = await node_following(owner, TODAY)
    try:
        started_ = await lines_until(
            process, lambda ls: all(updates_of(ls, v, "crmToday") for v in ("sse", "ws"))
        )
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        assert (await partner(APP_EVENT, {"c": ana, "at": now}))["recordAppEvent"]["accepted"]

        def moved(lines: list[dict[str, Any]]) -> bool:
            return all(
                any(
                    u["summary"]["activeInApp"] == 1
                    for u in updates_of(started_ + lines, v, "crmToday")
                )
                for v in ("sse", "ws")
            )

        more = await asyncio.wait_for(lines_until(process, moved), 60)
        for via in ("sse", "ws"):
            [change] = [
                u for u in updates_of(more, via, "crmToday") if u["summary"]["activeInApp"] == 1
            ][:1]
            assert change["kind"] == "CHANGE" and change["lastFactAppliedAt"]
    finally:
        process.kill()
        await process.wait()
