"""Identity's part of the graph: `viewer` (who is signed in, for which studios, allowed
to do what), inviting staff, ending sessions, and the studio's audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import strawberry
from plumbing.auth import MANAGERS, STAFF
from plumbing.errors import BadInput, Forbidden, NotFound
from plumbing.gql import SubgraphSchema, context_of, require, schema_extensions
from strawberry.types import Info

from identity.domain.invitations import INVITATION_LIFETIME
from identity.domain.people import PERMISSIONS, IdentityRefused
from identity.service_layer import audit, invitations, sessions
from identity.service_layer.ports import Identity


def _identity(info: Info[Any, Any]) -> Identity:
    identity: Identity = context_of(info).request.app.state.runtime.extras["identity"]
    return identity


def _coded(exc: IdentityRefused) -> Exception:
    if exc.code == "FORBIDDEN":
        return Forbidden(str(exc))
    if exc.code == "NOT_FOUND":
        return NotFound(str(exc))
    return BadInput(str(exc), code=exc.code)


@strawberry.type(description="A studio the signed-in person may act for, and their role there.")
class StudioAccess:
    studio: str
    role: str
    permissions: list[str] = strawberry.field(
        description="What this role may do here (`clients:write`, `staff:invite`…)."
    )


@strawberry.type(description="Who is signed in.")
class Viewer:
    id: str = strawberry.field(description="The person (staff) or login (client) id.")
    kind: str = strawberry.field(description="STAFF, CLIENT, PARTNER or SERVICE.")
    name: str | None
    email: str | None
    language: str | None
    studio: str = strawberry.field(description="The studio this token acts for.")
    roles: list[str]
    permissions: list[str] = strawberry.field(description="What the token may do here.")
    studios: list[StudioAccess] = strawberry.field(
        description="Every studio this person may switch to (POST /auth/refresh with `studio`)."
    )
    client_id: str | None = strawberry.field(
        description="For a client: their card (`client(id:)`)."
    )


@strawberry.type
class StaffInvitation:
    id: str
    email: str
    role: str
    expires_at: datetime
    code: str = strawberry.field(
        description="Shown once: the invitee accepts with it (POST /auth/accept-invitation)."
    )


@strawberry.type
class AuditEntry:
    at: datetime
    action: str
    person: str | None
    email: str | None
    address: str | None
    detail: str | None


@strawberry.type
class Query:
    @strawberry.field(description="Who is signed in, and what they may do.")
    async def viewer(self, info: Info[Any, Any]) -> Viewer:
        principal = context_of(info).principal
        roles = sorted(r.value for r in principal.roles)
        allowed = sorted({p for r in roles for p in PERMISSIONS.get(r, ())})
        person = None
        if principal.is_staff:
            person = await sessions.person_by_id(_identity(info), principal.subject)
        kind = "STAFF" if principal.is_staff else roles[0]
        return Viewer(
            id=principal.subject,
            kind=kind,
            name=person.name if person else None,
            email=person.email if person else None,
            language=person.language if person else None,
            studio=principal.tenant,
            roles=roles,
            permissions=allowed,
            studios=[
                StudioAccess(studio=s, role=r, permissions=list(PERMISSIONS.get(r, ())))
                for s, r in sorted(person.memberships.items())
            ]
            if person
            else [],
            client_id=principal.client_id,
        )

    @strawberry.field(description="The studio's sign-ins, failures, invitations and revocations.")
    async def audit_trail(
        self, info: Info[Any, Any], days: int = 7, limit: int = 200
    ) -> list[AuditEntry]:
        ctx = require(info, *MANAGERS)
        if not 1 <= days <= 90 or not 1 <= limit <= 1000:
            raise BadInput("days is 1 to 90 and limit 1 to 1000", code="OUT_OF_RANGE")
        since = ctx.clock.now() - timedelta(days=days)
        entries = await audit.trail(_identity(info).storage, ctx.tenant, since=since, limit=limit)
        return [
            AuditEntry(
                at=e["at"],
                action=e["action"],
                person=e.get("person"),
                email=e.get("email"),
                address=e.get("address"),
                detail=e.get("detail"),
            )
            for e in entries
        ]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Invite someone by e-mail to work for this studio.")
    async def invite_staff(self, info: Info[Any, Any], email: str, role: str) -> StaffInvitation:
        ctx = require(info, *MANAGERS)
        principal = ctx.principal
        inviter_role = "OWNER" if "OWNER" in principal.roles else "ADMIN"
        try:
            invited = await invitations.invite(
                _identity(info),
                studio=ctx.tenant,
                inviter=principal.subject,
                inviter_role=inviter_role,
                email=email,
                role=role,
                now=ctx.clock.now(),
            )
        except IdentityRefused as exc:
            raise _coded(exc) from exc
        inv = invited.invitation
        return StaffInvitation(
            id=inv.id,
            email=inv.email,
            role=inv.role,
            expires_at=inv.created_at + INVITATION_LIFETIME,
            code=invited.code,
        )

    @strawberry.mutation(
        description="End every session of a person (yourself when `person` is omitted): "
        "refresh stops at once, access tokens within their lifetime."
    )
    async def sign_out_everywhere(self, info: Info[Any, Any], person: str | None = None) -> bool:
        ctx = require(info, *STAFF)
        target = person or ctx.principal.subject
        if target != ctx.principal.subject:
            require(info, *MANAGERS)
            found = await sessions.person_by_id(_identity(info), target)
            if found is None or found.role_in(ctx.tenant) is None:
                raise NotFound("no such person in this studio")
        try:
            await sessions.sign_out_everywhere(
                _identity(info),
                person=target,
                studio=ctx.tenant,
                by=ctx.principal.subject,
                now=ctx.clock.now(),
            )
        except IdentityRefused as exc:
            raise _coded(exc) from exc
        return True


schema = SubgraphSchema(
    query=Query,
    mutation=Mutation,
    extensions=schema_extensions(),
    federation_version="2.9",
)
