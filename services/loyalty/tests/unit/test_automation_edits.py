"""L7 automations changed on the storage port, in memory: create, edit, pause, resume and
delete, and no kind of gift in force twice (seed 002: "automatizar la entrega de puntos
por eventos (por ejemplo cumpleaños, por amigos referidos, por clientes fieles..). Define
tus reglas y el sistema trabaja por tí")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from loyalty.adapters.automations import AUTOMATION_SETS, Automations
from loyalty.domain.automations import in_force
from loyalty.service_layer.automation_edits import (
    AutomationChanges,
    create_automation,
    create_automation_once,
    delete_automation,
    edit_automation,
)
from plumbing.repeats import RepeatRefused, repeats_of
from plumbing.storage import MemoryStorage

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
BIRTHDAY = {"trigger": "BIRTHDAY", "points": 500, "expiry_days": 60, "active": True}


@pytest.fixture
def automations() -> Automations:
    return Automations(MemoryStorage().repository(AUTOMATION_SETS, "t1"))


def visits(every: int, *, active: bool = True) -> dict[str, Any]:
    return {
        "trigger": "VISIT_COUNT",
        "points": 200,
        "expiry_days": 90,
        "visit_count": every,
        "active": active,
    }


async def made(automations: Automations, draft: dict[str, Any]) -> str:
    edited = await create_automation(automations, draft, by="owner", now=T0)
    assert edited.refusal is None and edited.automation is not None
    return str(edited.automation["id"])


async def test_a_second_birthday_automation_is_refused_so_no_double_gift(
    automations: Automations,
) -> None:
    first = await made(automations, BIRTHDAY)
    second = await create_automation(automations, {**BIRTHDAY, "points": 800}, by="o", now=T0)
    assert second.automation is None and second.refusal is not None
    assert (second.refusal.code, second.refusal.field) == ("DUPLICATE_AUTOMATION", "trigger")
    assert first in second.refusal.message
    # A paused one may wait beside it; resuming it while the first is in force is refused.
    paused = await made(automations, {**BIRTHDAY, "points": 800, "active": False})
    resumed = await edit_automation(
        automations, paused, AutomationChanges(active=True), by="o", now=T0
    )
    assert resumed.refusal is not None and resumed.refusal.code == "DUPLICATE_AUTOMATION"
    assert resumed.refusal.field == "active"
    await edit_automation(automations, first, AutomationChanges(active=False), by="o", now=T0)
    swapped = await edit_automation(
        automations, paused, AutomationChanges(active=True), by="o", now=T0
    )
    assert swapped.refusal is None
    assert [a["points"] for a in in_force(await automations.all(), "BIRTHDAY")] == [800]


async def test_visit_automations_of_different_counts_live_together(
    automations: Automations,
) -> None:
    ten = await made(automations, visits(10))
    await made(automations, visits(50))
    again = await create_automation(automations, visits(10), by="o", now=T0)
    assert again.refusal is not None and again.refusal.code == "DUPLICATE_AUTOMATION"
    # Editing 10 into 50 would double the other one.
    clash = await edit_automation(
        automations, ten, AutomationChanges(visit_count=50), by="o", now=T0
    )
    assert clash.refusal is not None and clash.refusal.field == "visitCount"
    state = await automations.repo.load("automations")
    assert state.state is not None and state.state["birthday"] is False


async def test_edit_changes_what_is_given_from_now_on_and_delete_removes_it(
    automations: Automations,
) -> None:
    first = await made(automations, BIRTHDAY)
    edited = await edit_automation(
        automations, first, AutomationChanges(points=700, expiry_days=30), by="admin", now=T0
    )
    assert edited.automation is not None
    assert (edited.automation["points"], edited.automation["expiry_days"]) == (700, 30)
    assert edited.automation["updated_by"] == "admin"
    same = await edit_automation(automations, first, AutomationChanges(points=700), by="x", now=T0)
    assert same.automation is not None and same.automation["updated_by"] == "admin"  # no-op
    wrong = await edit_automation(
        automations, first, AutomationChanges(visit_count=5), by="x", now=T0
    )
    assert wrong.refusal is not None and wrong.refusal.code == "BAD_CRITERION"
    loaded = await automations.repo.load("automations")
    assert loaded.state is not None and loaded.state["birthday"] is True
    gone = await delete_automation(automations, first)
    assert gone.automation is not None and gone.automation["id"] == first
    assert await automations.all() == []
    again = await delete_automation(automations, first)
    assert again.refusal is not None and again.refusal.code == "NOT_FOUND"
    loaded = await automations.repo.load("automations")
    assert loaded.state is not None and loaded.state["birthday"] is False


def test_two_of_a_kind_from_before_the_rule_the_oldest_grants() -> None:
    items = [
        {"id": "a", **BIRTHDAY},
        {"id": "b", **BIRTHDAY, "points": 900},
        {"id": "c", **visits(10)},
        {"id": "d", **visits(10)},
        {"id": "e", **visits(20)},
        {"id": "f", **BIRTHDAY, "active": False},
    ]
    assert [a["id"] for a in in_force(items, "BIRTHDAY")] == ["a"]
    assert [a["id"] for a in in_force(items, "VISIT_COUNT")] == ["c", "e"]


async def test_a_create_repeated_with_its_key_makes_one_automation() -> None:
    storage = MemoryStorage()
    automations = Automations(storage.repository(AUTOMATION_SETS, "t1"))
    repeats = repeats_of(storage, "t1")

    async def create(key: str | None, draft: dict[str, Any] = BIRTHDAY) -> Any:
        return await create_automation_once(
            automations, repeats, draft, key=key, by="owner", now=T0
        )

    first, second = await create("k-1"), await create("k-1")
    assert first.refusal is None and first.automation is not None
    assert second.refusal is None and second.automation == first.automation
    assert [a["id"] for a in await automations.all()] == [first.automation["id"]]
    without_key = await create(None)  # a second birthday gift, refused by the rules
    assert without_key.refusal is not None and without_key.refusal.code == "DUPLICATE_AUTOMATION"

    await delete_automation(automations, first.automation["id"])
    gone = await create("k-1")
    assert gone.automation is not None and gone.automation["id"] == first.automation["id"]
    assert await automations.all() == []
    with pytest.raises(RepeatRefused):
        await create("bad key with spaces")
