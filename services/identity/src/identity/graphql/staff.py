"""A studio's staff, for assignee pickers: owners and admins see each person's role and
e-mail; operators (the front desk) see names only."""

from __future__ import annotations

from typing import Any

import strawberry
from plumbing.auth import MANAGERS, STAFF, Role
from plumbing.gql import context_of, require
from strawberry.types import Info

from identity.service_layer import staff
from identity.service_layer.ports import Identity


def identity_of(info: Info[Any, Any]) -> Identity:
    identity: Identity = context_of(info).request.app.state.runtime.extras["identity"]
    return identity


@strawberry.type(description="A person who works for the studio.")
class StaffMember:
    id: strawberry.ID = strawberry.field(
        description="The person's id, as `Task.assigneeId` and `createTask(assigneeId)` take it."
    )
    name: str
    role: Role | None = strawberry.field(
        description="Their role in this studio; null unless the caller is an OWNER or ADMIN."
    )
    email: str | None = strawberry.field(description="Null unless the caller is an OWNER or ADMIN.")


@strawberry.type
class StaffQuery:
    @strawberry.field(description="The studio's staff, by name.")
    async def staff(self, info: Info[Any, Any]) -> list[StaffMember] | None:
        ctx = require(info, *STAFF)
        managing = ctx.principal.has(*MANAGERS)
        members = await staff.staff_of(identity_of(info), ctx.tenant)
        return [
            StaffMember(
                id=strawberry.ID(m.id),
                name=m.name,
                role=Role(m.role) if managing else None,
                email=m.email if managing else None,
            )
            for m in members
        ]
