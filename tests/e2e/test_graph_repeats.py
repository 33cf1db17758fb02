"""Repeats: a staff action sent twice with one idempotency key (two quick clicks, a retry
after a timeout) happens once, and the repeat answers the first result."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiokafka import AIOKafkaProducer
from loyalty.testing import configure, create_client
from plumbing.testing import Graph, eventually

from ..journeys import new_client, notifications_card
from .test_notifications_templates import new_client as reachable_client
from .test_ranks_manual import ASSIGN, CHANGE_FIELDS, HISTORY, program

PROMOTE = f"""
mutation($c: ID!, $cat: ID!, $key: String) {{
  promoteClient(clientId: $c, categoryId: $cat, idempotencyKey: $key) {{ {CHANGE_FIELDS} }}
}}"""
DEMOTE = f"""
mutation($c: ID!, $cat: ID!, $key: String) {{
  demoteClient(clientId: $c, categoryId: $cat, idempotencyKey: $key) {{ {CHANGE_FIELDS} }}
}}"""
SEND = """
mutation($id: ID!, $key: String) {
  sendClientMessage(clientId: $id, templateKey: "payment_reminder", channel: SMS,
                    idempotencyKey: $key) { accepted eventId userErrors { field code } }
}"""
GRANT = """
mutation($c: ID!, $key: String) {
  grantPoints(clientId: $c, points: 100, note: "welcome", idempotencyKey: $key) {
    entries { id points } account { balance } userErrors { field code }
  }
}"""


async def test_a_double_promote_moves_the_client_one_rank(owner: Graph, graphs: Any) -> None:
    category_id, (white, _, _) = await program(owner)
    ana = await new_client(owner)
    sensei = graphs(owner.tenant, "OPERATOR", subject="sensei-1")
    assert (await sensei(ASSIGN, {"c": ana, "r": white}))["assignRank"]["userErrors"] == []
    key = str(uuid.uuid4())
    # Two clicks at once, then a third (a retry after a lost answer).
    both = await asyncio.gather(
        *(sensei(PROMOTE, {"c": ana, "cat": category_id, "key": key}) for _ in range(2))
    )
    again = await sensei(PROMOTE, {"c": ana, "cat": category_id, "key": key})
    answers = [b["promoteClient"] for b in both] + [again["promoteClient"]]
    assert all(a == answers[0] for a in answers), answers
    assert answers[0]["userErrors"] == []
    assert answers[0]["clientRank"]["rank"] == {"name": "Yellow"}  # white to yellow, not orange
    assert (answers[0]["change"]["fromRank"], answers[0]["change"]["toRank"]) == (
        {"name": "White"},
        {"name": "Yellow"},
    )
    history = (await owner(HISTORY, {"id": ana}))["client"]["rankHistory"]
    assert [h["kind"] for h in history] == ["ASSIGNMENT", "PROMOTION"]

    # A new key is a new action; a key given to another action is refused.
    fresh = await sensei(PROMOTE, {"c": ana, "cat": category_id, "key": str(uuid.uuid4())})
    assert fresh["promoteClient"]["clientRank"]["rank"] == {"name": "Green"}
    reused = await sensei(DEMOTE, {"c": ana, "cat": category_id, "key": key})
    [refusal] = reused["demoteClient"]["userErrors"]
    assert (refusal["field"], refusal["code"]) == (["idempotencyKey"], "BAD_IDEMPOTENCY_KEY")
    # Keys belong to the person who sent them: another's same key is their own action.
    other = graphs(owner.tenant, "OPERATOR", subject="sensei-2")
    theirs = await other(DEMOTE, {"c": ana, "cat": category_id, "key": key})
    assert theirs["demoteClient"]["clientRank"]["rank"] == {"name": "Yellow"}


async def test_a_double_reminder_sends_one_message(
    owner: Graph, producer: AIOKafkaProducer
) -> None:
    client_id, _ = await reachable_client(owner, producer, language="en")
    key = str(uuid.uuid4())
    first, second = await asyncio.gather(
        *(owner(SEND, {"id": client_id, "key": key}) for _ in range(2))
    )
    assert first["sendClientMessage"] == second["sendClientMessage"]
    assert first["sendClientMessage"]["accepted"] is True

    async def records() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await notifications_card(owner, client_id, "TRANSACTIONS"))[
            "messages"
        ]
        return found

    await eventually(records)
    # A reminder with another key is sent: once it is recorded, a duplicate of the first
    # (sent before it, on the same client's partition) would have been recorded too.
    await owner(SEND, {"id": client_id, "key": str(uuid.uuid4())})
    sent = await eventually(records, until=lambda r: len(r) >= 2)
    assert len(sent) == 2, sent


async def test_a_double_grant_gives_the_points_once(owner: Graph) -> None:
    await configure(owner, pointValue="0.01", earnPercent="5")
    gina = await create_client(owner, "Gina")
    key = str(uuid.uuid4())

    async def grant() -> dict[str, Any]:
        answer: dict[str, Any] = (await owner(GRANT, {"c": gina, "key": key}))["grantPoints"]
        return answer

    first, second = await asyncio.gather(grant(), grant())
    assert first["userErrors"] == [], first
    assert second["entries"] == first["entries"]
    assert second["account"] == {"balance": 100}
    assert first["account"] == {"balance": 100}
