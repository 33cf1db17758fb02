"""L7 mutations of the points automations: create, edit (pause and resume too), delete.
Each checks its input, calls one use case (`service_layer/automation_edits.py`) and maps
the result to its payload."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from plumbing.auth import MANAGERS
from plumbing.gql import UserError, require, user_error
from plumbing.repeats import REPEAT_KEY, RepeatRefused, key_error, repeats_for
from strawberry.types import Info

from loyalty.adapters.tenant_storage import request_stores
from loyalty.graphql.checks import at_input, check_days, check_points
from loyalty.graphql.types import (
    AutomationTrigger,
    PointsAutomation,
    PointsAutomationInput,
    PointsAutomationPayload,
)
from loyalty.service_layer.automation_edits import (
    AutomationChanges,
    Edited,
    create_automation_once,
    delete_automation,
    edit_automation,
)

MAX_VISIT_COUNT = 10_000


@strawberry.input
class PointsAutomationChanges:
    """What to change; a field left out stays as it is. The trigger cannot change."""

    points: int | None = None
    expiry_days: int | None = None
    visit_count: int | None = None
    active: bool | None = strawberry.field(
        default=None, description="false pauses the automation, true resumes it."
    )


def _visit_count_problem(value: int | None) -> UserError | None:
    if value is not None and not 1 <= value <= MAX_VISIT_COUNT:
        return user_error(
            f"visitCount must be between 1 and {MAX_VISIT_COUNT}", "BAD_CRITERION", "visitCount"
        )
    return None


def _payload(edited: Edited, *, under_input: bool = False) -> PointsAutomationPayload:
    if edited.refusal is not None:
        r = edited.refusal
        error = user_error(r.message, r.code, r.field)
        return PointsAutomationPayload(
            automation=None, user_errors=[at_input(error) if under_input else error]
        )
    assert edited.automation is not None
    return PointsAutomationPayload(
        automation=PointsAutomation.of(edited.automation), user_errors=[]
    )


@strawberry.type
class AutomationMutations:
    @strawberry.mutation(
        description="L7: grant points on birthdays, referrals or every N visits. One "
        "automation in force per kind (trigger, and visitCount for VISIT_COUNT): a second "
        "one is refused (DUPLICATE_AUTOMATION), so no gift is given twice."
    )
    async def create_points_automation(
        self,
        info: Info[Any, Any],
        input: PointsAutomationInput,
        idempotency_key: Annotated[str | None, REPEAT_KEY] = None,
    ) -> PointsAutomationPayload | None:
        ctx = require(info, *MANAGERS)
        problems = [
            p
            for p in (
                check_points(input.points, "points"),
                check_days(input.expiry_days, "expiryDays"),
            )
            if p
        ]
        if input.trigger is AutomationTrigger.VISIT_COUNT and (
            input.visit_count is None or not 1 <= input.visit_count <= MAX_VISIT_COUNT
        ):
            problems.append(
                user_error(
                    f"visitCount (1..{MAX_VISIT_COUNT}) is required for VISIT_COUNT",
                    "REQUIRED",
                    "visitCount",
                )
            )
        if problems:
            return PointsAutomationPayload(
                automation=None, user_errors=[at_input(p) for p in problems]
            )
        visits = input.visit_count if input.trigger is AutomationTrigger.VISIT_COUNT else None
        draft = {
            "trigger": input.trigger.value,
            "points": input.points,
            "expiry_days": input.expiry_days,
            "visit_count": visits,
            "active": True if input.active is None else input.active,
        }
        try:
            edited = await create_automation_once(
                request_stores(ctx).automations, repeats_for(ctx), draft, key=idempotency_key,
                by=ctx.principal.subject, now=ctx.now(),
            )  # fmt: skip
        except RepeatRefused as exc:
            return PointsAutomationPayload(automation=None, user_errors=[key_error(exc)])
        return _payload(edited, under_input=True)

    @strawberry.mutation(
        description="L7: change an automation's points, expiry or visit count, or pause "
        "(active: false) and resume it. Applies from now on; points granted stay."
    )
    async def update_points_automation(
        self, info: Info[Any, Any], id: strawberry.ID, input: PointsAutomationChanges
    ) -> PointsAutomationPayload | None:
        ctx = require(info, *MANAGERS)
        problems = [
            p
            for p in (
                None if input.points is None else check_points(input.points, "points"),
                check_days(input.expiry_days, "expiryDays"),
                _visit_count_problem(input.visit_count),
            )
            if p
        ]
        if problems:
            return PointsAutomationPayload(
                automation=None, user_errors=[at_input(p) for p in problems]
            )
        changes = AutomationChanges(
            points=input.points,
            expiry_days=input.expiry_days,
            visit_count=input.visit_count,
            active=input.active,
        )
        edited = await edit_automation(
            request_stores(ctx).automations,
            str(id),
            changes,
            by=ctx.principal.subject,
            now=ctx.now(),
        )
        if edited.refusal is not None and edited.refusal.field == "id":
            return _payload(edited)
        return _payload(edited, under_input=True)

    @strawberry.mutation(
        description="L7: delete an automation: it grants nothing more, what it granted "
        "stays. Returns the deleted automation."
    )
    async def delete_points_automation(
        self, info: Info[Any, Any], id: strawberry.ID
    ) -> PointsAutomationPayload | None:
        ctx = require(info, *MANAGERS)
        return _payload(await delete_automation(request_stores(ctx).automations, str(id)))
