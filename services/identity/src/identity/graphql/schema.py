"""Identity's part of the graph: `viewer` (who is signed in, for which studios, allowed
to do what), inviting staff, ending sessions, and the studio's audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import strawberry
from plumbing.auth import MANAGERS, STAFF, Role
from plumbing.errors import BadInput
from plumbing.gql import (
    SubgraphSchema,
    UserError,
    context_of,
    require,
    schema_extensions,
    user_error,
)
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.types import Info

from identity.domain.invitations import INVITATION_LIFETIME
from identity.domain.people import PERMISSIONS, IdentityRefused
from identity.graphql.second_factor import SecondFactorMutations
from identity.graphql.staff import StaffQuery
from identity.service_layer import audit, invitations, sessions, staff
from identity.service_layer.ports import Identity


def _identity(info: Info[Any, Any]) -> Identity:
    identity: Identity = context_of(info).request.app.state.runtime.extras["identity"]
    return identity


# The domain's refusals as the contract's user error codes.
_CODES = {"EMAIL_INVALID": "INVALID_EMAIL", "FORBIDDEN": "ROLE_NOT_ALLOWED"}


def _refused(exc: IdentityRefused, *field: str) -> UserError:
    return user_error(str(exc), _CODES.get(exc.code, exc.code), *field, **exc.params)


@strawberry.enum(description="Who a token speaks for.")
class ViewerKind(StrEnum):
    STAFF = "STAFF"
    CLIENT = "CLIENT"
    PARTNER = "PARTNER"
    SERVICE = "SERVICE"


@strawberry.type(description="A studio the signed-in person may act for, and their role there.")
class StudioAccess:
    studio: str
    name: str | None = strawberry.field(
        description="The studio's name, as its settings say (`studio { name }` there); null "
        "when it cannot be read now."
    )
    role: Role
    permissions: list[str] = strawberry.field(
        description="What this role may do here (`clients:write`, `staff:invite`…)."
    )


@strawberry.type(description="Who is signed in.")
class Viewer:
    id: strawberry.ID = strawberry.field(description="The person (staff) or login (client) id.")
    kind: ViewerKind
    name: str | None
    email: str | None
    language: str | None
    studio: str = strawberry.field(description="The studio this token acts for.")
    roles: list[Role]
    permissions: list[str] = strawberry.field(description="What the token may do here.")
    studios: list[StudioAccess] = strawberry.field(
        description="Every studio this person may switch to (POST /auth/refresh with `studio`)."
    )
    client_id: str | None = strawberry.field(
        description="For a client: their card (`client(id:)`)."
    )
    second_factor: bool = strawberry.field(
        description="Whether sign-in asks this person for a second factor (TOTP)."
    )

    @strawberry.field(
        description="For a client: their card (as `me`), resolved by the clients service."
    )
    def client(self) -> Client | None:
        return Client(id=strawberry.ID(self.client_id)) if self.client_id else None


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Client:
    """A client card, which the clients service resolves; identity only names it."""

    id: strawberry.ID


@strawberry.type
class StaffInvitation:
    id: strawberry.ID
    email: str
    role: Role
    expires_at: datetime
    code: str = strawberry.field(
        description="Shown once: the invitee accepts with it (POST /auth/accept-invitation)."
    )


@strawberry.type(description="The answer of `inviteStaff`.")
class InviteStaffPayload:
    invitation: StaffInvitation | None
    user_errors: list[UserError]


@strawberry.type(description="The answer of `signOutEverywhere`.")
class SignOutPayload:
    signed_out: bool
    user_errors: list[UserError]


@strawberry.type
class AuditEntry:
    id: strawberry.ID
    at: datetime
    action: str
    person: str | None
    email: str | None
    address: str | None
    detail: str | None


@strawberry.type
class Query(StaffQuery):
    @strawberry.field(description="Who is signed in, and what they may do.")
    async def viewer(self, info: Info[Any, Any]) -> Viewer | None:
        principal = context_of(info).principal
        roles = sorted(r.value for r in principal.roles)
        allowed = sorted({p for r in roles for p in PERMISSIONS.get(r, ())})
        person = None
        if principal.is_staff:
            person = await sessions.person_by_id(_identity(info), principal.subject)
        kind = ViewerKind.STAFF if principal.is_staff else ViewerKind(roles[0])
        memberships = sorted(person.memberships.items()) if person else []
        names = await staff.studio_names(_identity(info), [s for s, _ in memberships])
        return Viewer(
            id=strawberry.ID(principal.subject),
            kind=kind,
            name=person.name if person else None,
            email=person.email if person else None,
            language=person.language if person else None,
            studio=principal.tenant,
            roles=[Role(r) for r in roles],
            permissions=allowed,
            studios=[
                StudioAccess(
                    studio=s, name=names[s], role=Role(r), permissions=list(PERMISSIONS.get(r, ()))
                )
                for s, r in memberships
            ],
            client_id=principal.client_id,
            second_factor=bool(person and person.totp_secret),
        )

    @strawberry.field(description="The studio's sign-ins, failures, invitations and revocations.")
    async def audit_trail(
        self, info: Info[Any, Any], days: int = 7, limit: int = 200
    ) -> list[AuditEntry] | None:
        ctx = require(info, *MANAGERS)
        if not 1 <= days <= 90 or not 1 <= limit <= 1000:
            raise BadInput(
                "days is 1 to 90 and limit 1 to 1000",
                code="OUT_OF_RANGE",
                params={"days": days, "limit": limit},
            )
        since = ctx.clock.now() - timedelta(days=days)
        entries = await audit.trail(_identity(info).storage, ctx.tenant, since=since, limit=limit)
        return [
            AuditEntry(
                id=strawberry.ID(e["id"]),
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
class Mutation(SecondFactorMutations):
    @strawberry.mutation(description="Invite someone by e-mail to work for this studio.")
    async def invite_staff(
        self, info: Info[Any, Any], email: str, role: Role
    ) -> InviteStaffPayload | None:
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
                role=role.value,
                now=ctx.clock.now(),
            )
        except IdentityRefused as exc:
            field = "role" if exc.code == "FORBIDDEN" else "email"
            return InviteStaffPayload(invitation=None, user_errors=[_refused(exc, field)])
        inv = invited.invitation
        invitation = StaffInvitation(
            id=strawberry.ID(inv.id),
            email=inv.email,
            role=Role(inv.role),
            expires_at=inv.created_at + INVITATION_LIFETIME,
            code=invited.code,
        )
        return InviteStaffPayload(invitation=invitation, user_errors=[])

    @strawberry.mutation(
        description="End every session of a person (yourself when `person` is omitted): "
        "refresh stops at once, access tokens within their lifetime."
    )
    async def sign_out_everywhere(
        self, info: Info[Any, Any], person: str | None = None
    ) -> SignOutPayload | None:
        ctx = require(info, *STAFF)
        target = person or ctx.principal.subject
        if target != ctx.principal.subject:
            require(info, *MANAGERS)
            found = await sessions.person_by_id(_identity(info), target)
            if found is None or found.role_in(ctx.tenant) is None:
                missing = user_error("no such person in this studio", "NOT_FOUND", "person")
                return SignOutPayload(signed_out=False, user_errors=[missing])
        try:
            await sessions.sign_out_everywhere(
                _identity(info),
                person=target,
                studio=ctx.tenant,
                by=ctx.principal.subject,
                now=ctx.clock.now(),
            )
        except IdentityRefused as exc:
            return SignOutPayload(signed_out=False, user_errors=[_refused(exc, "person")])
        return SignOutPayload(signed_out=True, user_errors=[])


schema = SubgraphSchema(
    query=Query,
    mutation=Mutation,
    extensions=schema_extensions(),
    federation_version="2.9",
)
