"""K4 on the storage port, in memory: tasks and funnels are aggregates whose changes
carry their events; completing twice or moving to the same stage announces nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from crm.service_layer import client_cards, planning
from crm.service_layer.ports import Plans
from crm.testing import MemoryCrm
from crm.testing_events import TENANT, card, projection
from plumbing import readers
from plumbing.envelope import Envelope
from plumbing.repeats import RepeatRefused, repeats_of

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def with_client(crm: MemoryCrm, client_id: str) -> None:
    event = card(client_id)
    data = readers.ClientCreatedRead.model_validate(event.data)
    await client_cards.client_created(projection(crm, event), data)


def types(crm: MemoryCrm) -> list[str]:
    return [Envelope.from_bytes(bytes(e["value"])).type for e in crm.storage.pending()]


async def task(plans: Plans, crm: MemoryCrm, title: str, priority: str, due: int | None) -> str:
    doc, problems = await planning.create_task(
        plans,
        crm.views(TENANT),
        title=title,
        due_at=NOW + timedelta(days=due) if due is not None else None,
        priority=priority,
        assignee_id=None,
        client_id=None,
        now=NOW,
    )
    assert problems == [] and doc is not None
    return str(doc["id"])


async def test_tasks_are_listed_most_urgent_first_and_completed_once() -> None:
    crm = MemoryCrm()
    plans = crm.plans(TENANT)
    low = await task(plans, crm, "call back", "LOW", 1)
    urgent_late = await task(plans, crm, "renew", "URGENT", None)
    urgent = await task(plans, crm, "pay", "URGENT", 3)
    page = await planning.tasks_page(plans, False, 10)
    assert [t["id"] for t in page] == [urgent, urgent_late, low]

    done = await asyncio.gather(
        *(planning.complete_task(plans, urgent, actor="staff-1", now=NOW) for _ in range(3))
    )
    assert all(doc is not None and doc["done"] for doc, _ in done)
    assert types(crm).count("crm.task_completed.v1") == 1
    assert [t["id"] for t in await planning.tasks_page(plans, False, 10)] == [urgent_late, low]
    assert [t["id"] for t in await planning.tasks_page(plans, True, 10)] == [urgent]
    missing, problems = await planning.complete_task(plans, "nope", actor="s", now=NOW)
    assert missing is None and [p.code for p in problems] == ["NOT_FOUND"]


async def test_a_task_is_refused_with_coded_problems() -> None:
    crm = MemoryCrm()
    doc, problems = await planning.create_task(
        crm.plans(TENANT),
        crm.views(TENANT),
        title="  ",
        due_at=None,
        priority="SOON",
        assignee_id=None,
        client_id=None,
        now=NOW,
    )
    assert doc is None and {p.code for p in problems} == {"REQUIRED", "BAD_PRIORITY"}
    assert crm.storage.pending() == []


async def test_a_client_moves_through_a_funnel_one_stage_at_a_time() -> None:
    crm = MemoryCrm()
    plans = crm.plans(TENANT)
    await with_client(crm, "ana")
    funnel, _ = await planning.create_funnel(plans, name="Trial", stages=["Lead", "Won"], now=NOW)
    assert funnel is not None
    lead, won = (s["id"] for s in funnel["stages"])
    move = {"funnel_id": funnel["id"], "client_id": "ana", "now": NOW}
    for _ in range(2):  # the second move to the same stage changes nothing
        await planning.move_client(plans, crm.views(TENANT), stage_id=lead, **move)
    final, _ = await planning.move_client(plans, crm.views(TENANT), stage_id=won, **move)
    assert final is not None and final["members"] == {"ana": won}
    assert types(crm).count("crm.client_moved_in_funnel.v1") == 2
    _, problems = await planning.move_client(plans, crm.views(TENANT), stage_id="x", **move)
    assert [p.code for p in problems] == ["UNKNOWN_STAGE"]
    later, _ = await planning.create_funnel(
        plans, name="Later", stages=["A"], now=NOW + timedelta(1)
    )
    assert [f["name"] for f in await planning.funnels_page(plans)] == ["Later", "Trial"]
    assert later is not None


async def test_a_task_or_funnel_created_twice_with_one_key_is_created_once() -> None:
    crm = MemoryCrm()
    plans = crm.plans(TENANT)
    repeats = repeats_of(crm.storage, TENANT)

    def new_task(title: str) -> Callable[[], Awaitable[planning.Outcome]]:
        return lambda: planning.create_task(
            plans, crm.views(TENANT), title=title, due_at=None, priority="HIGH",
            assignee_id="u2", client_id=None, now=NOW,
        )  # fmt: skip

    async def task_once(key: str | None, title: str = "call Ana") -> planning.Outcome:
        return await planning.create_once(
            plans.tasks, repeats, "createTask", new_task(title), key=key, actor="u1", now=NOW
        )

    (first, _), (second, _) = await task_once("k-1"), await task_once("k-1")
    assert first is not None and second is not None and second["id"] == first["id"]
    assert [t["id"] for t in await planning.tasks_in_order(plans, None)] == [first["id"]]
    refused, problems = await task_once("k-2", title="  ")
    assert refused is None and [p.code for p in problems] == ["REQUIRED"]
    corrected, _ = await task_once("k-2")  # a refusal is not kept: the key is free again
    assert corrected is not None and corrected["id"] != first["id"]
    with pytest.raises(RepeatRefused):  # one key, another action
        await planning.create_once(
            plans.funnels, repeats, "createFunnel",
            lambda: planning.create_funnel(plans, name="Leads", stages=["New"], now=NOW),
            key="k-1", actor="u1", now=NOW,
        )  # fmt: skip

    def funnel() -> Awaitable[planning.Outcome]:
        return planning.create_funnel(plans, name="Leads", stages=["New", "Won"], now=NOW)

    made = [
        await planning.create_once(
            plans.funnels, repeats, "createFunnel", funnel, key="f-1", actor="u1", now=NOW
        )
        for _ in range(2)
    ]
    assert made[0][0] is not None and made[1][0] == made[0][0]
    assert len(await planning.funnels_page(plans)) == 1
    assert types(crm).count("crm.task_created.v1") == 2
