"""Partner API keys in the graph (OWNER/ADMIN only)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from plumbing.auth import MANAGERS
from plumbing.clock import as_utc
from plumbing.gql import RequestContext, UserError, require, user_error
from plumbing.mongo import Doc
from strawberry.types import Info

from clients.adapters.repository import for_request
from clients.service_layer import partner_keys
from clients.service_layer.ports import PartnerKeys


def keys_of(ctx: RequestContext) -> PartnerKeys:
    return for_request(ctx).partner_keys()


@strawberry.enum(description="What a partner key allows.")
class PartnerScope(Enum):
    CLIENTS_READ = "clients:read"
    CLIENTS_WRITE = "clients:write"
    INGEST_BOOKINGS = "ingest:bookings"
    INGEST_SALES = "ingest:sales"
    INGEST_APP = "ingest:app"
    LOYALTY_REDEEM = "loyalty:redeem"


@strawberry.type(description="An API key of a partner system (the secret is never shown again).")
class PartnerKey:
    id: strawberry.ID
    name: str
    scopes: list[PartnerScope]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def from_doc(cls, doc: Doc) -> PartnerKey:
        return cls(
            id=strawberry.ID(doc["id"]),
            name=doc["name"],
            scopes=[PartnerScope(s) for s in doc["scopes"]],
            created_at=as_utc(doc["created_at"]),
            revoked_at=as_utc(doc["revoked_at"]) if doc.get("revoked_at") else None,
            last_used_at=as_utc(doc["last_used_at"]) if doc.get("last_used_at") else None,
        )


@strawberry.type
class PartnerKeyPayload:
    partner_key: PartnerKey | None
    secret: str | None = strawberry.field(
        description="The key itself, shown only when created. Exchange it at POST /auth/partner-token."
    )
    user_errors: list[UserError]


@strawberry.type
class PartnerKeyQuery:
    @strawberry.field(description="The studio's partner API keys (OWNER/ADMIN).")
    async def partner_keys(self, info: Info[Any, Any]) -> list[PartnerKey] | None:
        ctx = require(info, *MANAGERS)
        return [PartnerKey.from_doc(d) for d in await partner_keys.list_keys(keys_of(ctx))]


@strawberry.type
class PartnerKeyMutation:
    @strawberry.mutation(
        description="Create a partner API key with the given scopes (OWNER/ADMIN)."
    )
    async def create_partner_key(
        self, info: Info[Any, Any], name: str, scopes: list[PartnerScope]
    ) -> PartnerKeyPayload | None:
        ctx = require(info, *MANAGERS)
        clean = " ".join(name.split())
        errors = []
        if not clean or len(clean) > 100:
            errors.append(
                user_error(
                    "a key needs a name of 1 to 100 characters",
                    "INVALID_NAME",
                    "name",
                    field="name",
                    maximum=100,
                )
            )
        if not scopes:
            errors.append(
                user_error("a key needs at least one scope", "REQUIRED", "scopes", field="scopes")
            )
        if errors:
            return PartnerKeyPayload(partner_key=None, secret=None, user_errors=errors)
        issued = await partner_keys.create_key(
            keys_of(ctx),
            ctx.tenant,
            name=clean,
            scopes=[s.value for s in scopes],
            actor=ctx.principal.subject,
            now=ctx.now(),
        )
        return PartnerKeyPayload(
            partner_key=PartnerKey.from_doc(issued.doc), secret=issued.secret, user_errors=[]
        )

    @strawberry.mutation(
        description="Revoke a partner API key; tokens already issued expire within minutes."
    )
    async def revoke_partner_key(
        self, info: Info[Any, Any], id: strawberry.ID
    ) -> PartnerKeyPayload | None:
        ctx = require(info, *MANAGERS)
        doc = await partner_keys.revoke_key(keys_of(ctx), str(id), now=ctx.now())
        if doc is None:
            return PartnerKeyPayload(
                partner_key=None,
                secret=None,
                user_errors=[user_error(f"unknown partner key {id!r}", "NOT_FOUND", "id", id=id)],
            )
        return PartnerKeyPayload(partner_key=PartnerKey.from_doc(doc), secret=None, user_errors=[])
