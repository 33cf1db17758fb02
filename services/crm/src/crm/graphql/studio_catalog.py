"""The studio's services and professionals as its sessions name them (crm learns them
from the partner's facts: `recordSession(serviceId, serviceName, professionalId,
professionalName)`), for pickers: loyalty's per-service rules, a card's disliked
services, a rank category's counted services, the heat map's filters."""

from __future__ import annotations

from typing import Any

import strawberry
from plumbing.auth import STAFF
from plumbing.gql import require
from strawberry.types import Info

from crm.graphql.context import storage_of
from crm.service_layer import studio_catalog


@strawberry.type(description="A service the studio's sessions were reported with.")
class StudioService:
    id: strawberry.ID = strawberry.field(
        description="The partner's id of the service, as every serviceId argument takes it."
    )
    name: str | None = strawberry.field(
        description="As the newest session that named it said; null if none did."
    )


@strawberry.type(description="A professional the studio's sessions were reported with.")
class Professional:
    id: strawberry.ID = strawberry.field(
        description="The partner's id of the professional, as professionalId arguments take it."
    )
    name: str | None = strawberry.field(
        description="As the newest session that named them said; null if none did."
    )


@strawberry.type
class CatalogQuery:
    @strawberry.field(
        description="The studio's services, as its partner's sessions name them, by name."
    )
    async def services(self, info: Info[Any, Any]) -> list[StudioService] | None:
        require(info, *STAFF)
        known = await studio_catalog.named(storage_of(info).views, "services")
        return [StudioService(id=strawberry.ID(s.id), name=s.name) for s in known]

    @strawberry.field(
        description="The studio's professionals, as its partner's sessions name them, by name."
    )
    async def professionals(self, info: Info[Any, Any]) -> list[Professional] | None:
        require(info, *STAFF)
        known = await studio_catalog.named(storage_of(info).views, "professionals")
        return [Professional(id=strawberry.ID(p.id), name=p.name) for p in known]
