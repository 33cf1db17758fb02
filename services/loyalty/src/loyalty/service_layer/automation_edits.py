"""Use cases that change the points automations (L7): create, edit, pause or resume,
delete. A change applies from then on: points already granted stay in the ledgers, and
the grant keys (`birthday:<automation>:<year>`, …) stay the automation's, so editing a
birthday automation on the day it granted does not grant again.

The messages a studio reads are written here, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plumbing.ids import new_id
from plumbing.mongo import Doc
from plumbing.repeats import once
from plumbing.storage import Decision, Keep, Refuse, Repository, Save

from loyalty.adapters.automations import Automations, with_hints
from loyalty.domain.automations import Automation, describe, same_kind_in_force


def _duplicate(other: Automation) -> str:
    return (
        f"an automation {describe(other)} is already in force ({other['id']}): a second one "
        "would grant the same points twice; edit, pause or delete that one first"
    )


def _unknown(automation_id: str) -> str:
    return f"no automation {automation_id!r} in this studio"


@dataclass(frozen=True)
class Refusal:
    message: str
    code: str
    field: str


@dataclass(frozen=True)
class Edited:
    automation: Doc | None
    refusal: Refusal | None = None


@dataclass(frozen=True)
class AutomationChanges:
    """What an edit changes; None: left as it is. The trigger never changes (a birthday
    automation edited into a referral one would be another automation)."""

    points: int | None = None
    expiry_days: int | None = None
    visit_count: int | None = None
    active: bool | None = None


def _refused(message: str, code: str, field: str) -> Refuse[Edited]:
    return Refuse(Edited(None, Refusal(message, code, field)))


async def create_automation(
    automations: Automations, draft: dict[str, Any], *, by: str, now: datetime
) -> Edited:
    """A new automation (its values checked by the caller); it applies from now on."""
    automation: Doc = {**draft, "id": new_id(), "created_at": now, "created_by": by}

    def decide(items: list[Doc]) -> Decision[Doc, Edited]:
        other = same_kind_in_force(items, automation)
        if other is not None:
            return _refused(_duplicate(other), "DUPLICATE_AUTOMATION", "trigger")
        return Save(with_hints([*items, automation]), Edited(automation))

    return await automations.change(decide)


async def create_automation_once(
    automations: Automations,
    repeats: Repository[Doc],
    draft: dict[str, Any],
    *,
    key: str | None,
    by: str,
    now: datetime,
) -> Edited:
    """`create_automation` once per idempotency key (`plumbing.repeats`): a repeat makes
    nothing and answers the automation the first made, as it stands now (or as it was
    made, if deleted since). Raises `RepeatRefused` for a key it cannot use."""

    async def run() -> tuple[Edited, Doc | None]:
        edited = await create_automation(automations, draft, by=by, now=now)
        made = edited.automation
        return edited, (None if made is None else {"id": made["id"], "made": dict(made)})

    async def replay(record: Doc) -> Edited:
        items = await automations.all()
        return Edited(next((a for a in items if a["id"] == record["id"]), record["made"]))

    return await once(repeats, by, key, "createPointsAutomation", lambda: now, run, replay)


async def edit_automation(
    automations: Automations,
    automation_id: str,
    changes: AutomationChanges,
    *,
    by: str,
    now: datetime,
) -> Edited:
    """Change an automation's points, expiry or visit count, or pause (`active: false`)
    and resume it; resuming one whose kind another has taken meanwhile is refused."""

    def decide(items: list[Doc]) -> Decision[Doc, Edited]:
        found = next((a for a in items if a["id"] == automation_id), None)
        if found is None:
            return _refused(_unknown(automation_id), "NOT_FOUND", "id")
        if changes.visit_count is not None and found["trigger"] != "VISIT_COUNT":
            return _refused(
                "only a VISIT_COUNT automation counts visits", "BAD_CRITERION", "visitCount"
            )
        given = {
            "points": changes.points,
            "expiry_days": changes.expiry_days,
            "visit_count": changes.visit_count,
            "active": changes.active,
        }
        edited = {**found, **{k: v for k, v in given.items() if v is not None}}
        if edited == found:
            return Keep(Edited(found))
        other = same_kind_in_force(items, edited)
        if other is not None:
            field = "active" if changes.active else "visitCount"
            return _refused(_duplicate(other), "DUPLICATE_AUTOMATION", field)
        edited.update(updated_at=now, updated_by=by)
        rewritten = [edited if a["id"] == automation_id else a for a in items]
        return Save(with_hints(rewritten), Edited(edited))

    return await automations.change(decide)


async def delete_automation(automations: Automations, automation_id: str) -> Edited:
    """Remove an automation: it grants nothing more; what it granted stays."""

    def decide(items: list[Doc]) -> Decision[Doc, Edited]:
        found = next((a for a in items if a["id"] == automation_id), None)
        if found is None:
            return _refused(_unknown(automation_id), "NOT_FOUND", "id")
        kept = [a for a in items if a["id"] != automation_id]
        return Save(with_hints(kept), Edited(found))

    return await automations.change(decide)
