"""C11: staff move a membership's next payment date ("ajuste la próxima fecha de pago")."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from plumbing.auth import STAFF
from plumbing.gql import require
from plumbing.intake import IngestPayload
from strawberry.types import Info

from crm.graphql.context import storage_of
from crm.graphql.fact_mutations import payload_of
from crm.service_layer.memberships import SetNextPayment, set_next_payment


@strawberry.type
class MembershipMutation:
    @strawberry.mutation(
        description="C11: move the next payment date of a client's membership (staff). "
        "Applied within seconds, published on crm.events for the billing partner; a "
        "report of the partner made after it wins again."
    )
    async def set_membership_next_payment(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        membership_id: strawberry.ID,
        next_payment_on: date,
        note: str | None = None,
    ) -> IngestPayload | None:
        ctx = require(info, *STAFF)
        storage = storage_of(info)
        now = ctx.now()
        studio = await storage.studio()
        cmd = SetNextPayment(
            client_id=str(client_id),
            membership_id=str(membership_id),
            next_payment_on=next_payment_on,
            set_by=ctx.principal.subject,
            now=now,
            today=studio.today(now),
            note=note,
        )
        return payload_of(await set_next_payment(storage.views, storage.recorded, cmd))
