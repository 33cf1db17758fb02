"""Root fields of the clients subgraph. Thin: input -> use case -> payload."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from plumbing.auth import MANAGERS, STAFF, Role
from plumbing.errors import NotFound
from plumbing.gql import (
    PageInfo,
    RequestContext,
    SubgraphSchema,
    context_of,
    decode_position,
    encode_position,
    may_read_client,
    message_params,
    page_size,
    require,
    require_scope,
    schema_extensions,
)
from plumbing.i18n import current_language
from plumbing.mongo import Doc
from plumbing.repeats import REPEAT_KEY, RepeatRefused, key_error, once_for
from strawberry.tools import merge_types
from strawberry.types import Info

from clients.domain.card import BookingChannel
from clients.graphql.booking_blocks import BookingBlockMutation
from clients.graphql.caller import repo_of
from clients.graphql.card_live import CardSubscription
from clients.graphql.import_live import ImportSubscription
from clients.graphql.inputs import ClientFilter
from clients.graphql.intake_forms import IntakeFormQuery
from clients.graphql.nodes import STUB_TYPES, NodeQuery
from clients.graphql.partner_keys import PartnerKeyQuery
from clients.graphql.payloads import (
    BookingCheck,
    BookingCheckRefusal,
    BookingRefusal,
    ClientPayload,
    ImportJob,
    errors,
)
from clients.graphql.search import client_criteria
from clients.graphql.types import (
    BookingBlockMode,
    Client,
    ClientConnection,
    ClientEdge,
    CustomFieldDefinition,
    Studio,
)
from clients.service_layer import (
    card_details,
    privacy,
    studio,
)
from clients.service_layer.cards import local_today

READERS = (*STAFF, Role.PARTNER)


async def load_client(ctx: RequestContext, client_id: str) -> Client | None:
    """A client card as this caller may see it (a CLIENT sees only their own)."""
    principal = ctx.principal
    if not principal.has(*READERS) and principal.client_id != client_id:
        return None
    doc = await repo_of(ctx).client(client_id)
    if doc is None or doc.get("erased"):
        return None
    return Client.from_doc(doc)


async def resolve_client_reference(info: Info[Any, Any], id: strawberry.ID) -> Client | None:
    """A client another subgraph names (a task, a booking of the day, a rank). A card
    erased since then resolves to what is left of it (no name, status ARCHIVED), so the
    caller's list shows an erased client instead of failing as a whole.

    Held to what the root `client` field allows: a partner needs `clients:read`, a CLIENT
    gets only their own card (`null` for any other)."""
    ctx = context_of(info)
    if not may_read_client(info, str(id)):
        return None
    if not ctx.principal.has(*READERS):
        return await load_client(ctx, str(id))  # a CLIENT: their own card, never erased
    doc = await repo_of(ctx).client(str(id))
    if doc is None:
        return None
    if doc.get("erased"):
        return Client.from_doc({**doc, "first_name": "", "last_name": ""})
    return Client.from_doc(doc)


Client.resolve_reference = classmethod(  # type: ignore[attr-defined]
    lambda cls, info, id: resolve_client_reference(info, id)
)


@strawberry.type
class Query(NodeQuery, PartnerKeyQuery, IntakeFormQuery):
    @strawberry.field
    async def studio(self, info: Info[Any, Any]) -> Studio | None:
        ctx = context_of(info)
        return Studio.from_doc(studio.studio_view(ctx.tenant, await repo_of(ctx).studio()))

    @strawberry.field(description="The signed-in client's own card (role CLIENT).")
    async def me(self, info: Info[Any, Any]) -> Client | None:
        ctx = context_of(info)
        if ctx.principal.client_id is None:
            return None
        return await load_client(ctx, ctx.principal.client_id)

    @strawberry.field
    async def client(self, info: Info[Any, Any], id: strawberry.ID) -> Client | None:
        ctx = context_of(info)
        if ctx.principal.has(Role.PARTNER) and not ctx.principal.is_staff:
            require_scope(info, "clients:read")
        return await load_client(ctx, str(id))

    @strawberry.field
    async def clients(
        self,
        info: Info[Any, Any],
        filter: ClientFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ClientConnection | None:
        ctx = require(info, *READERS)
        require_scope(info, "clients:read")
        # Forward with `first`/`after`; backward with `last` (and `before`): the last cards
        # before the cursor, in the list's order. `first` has a default, so `last` wins.
        backward = last is not None
        size = page_size(last, name="last") if backward else page_size(first)
        repo = repo_of(ctx)
        today = None
        if filter is not None and filter.birthday_this_month:
            today = local_today(studio.studio_view(ctx.tenant, await repo.studio()), ctx.now())
        criteria = client_criteria(filter, today)
        total, docs = await repo.search().search(
            criteria,
            after=_position(after),
            before=_position(before),
            limit=size + 1,
            from_end=backward,
        )
        more = len(docs) > size
        shown = docs[-size:] if backward and size else docs[:size]
        edges = [
            ClientEdge(cursor=encode_position(d["sort_name"], d["id"]), node=Client.from_doc(d))
            for d in shown
        ]
        cursors = [e.cursor for e in edges]
        return ClientConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=bool(before) if backward else more,
                end_cursor=cursors[-1] if cursors else None,
                has_previous_page=more if backward else bool(after),
                start_cursor=cursors[0] if cursors else None,
            ),
            total_count=total,
        )

    @strawberry.field(description="C5: the studio's custom fields.")
    async def custom_field_definitions(
        self, info: Info[Any, Any], include_archived: bool = False
    ) -> list[CustomFieldDefinition] | None:
        ctx = require(info, *STAFF, Role.CLIENT)
        return [
            CustomFieldDefinition.from_doc(d)
            for d in await repo_of(ctx).shown_definitions()
            if include_archived or not d.get("archived")
        ]

    @strawberry.field(
        description="C4/C7: may this client book this service on this channel, and why not."
    )
    async def booking_check(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        service_id: strawberry.ID,
        channel: BookingChannel,
        branch_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The branch of the booking (B7: a block may cover some branches); "
                "omitted: the block applies wherever it covers."
            ),
        ] = None,
    ) -> BookingCheck | None:
        ctx = context_of(info)
        principal = ctx.principal
        own = not principal.has(*READERS)  # the client themself
        if own and principal.client_id != str(client_id):
            raise NotFound(f"unknown client {client_id!r}", params={"id": client_id})
        repo = repo_of(ctx)
        verdict = await card_details.check_booking(
            repo.cards(), await repo.studio(), str(client_id), str(service_id),
            BookingChannel(channel), str(branch_id) if branch_id else None, current_language(),
        )  # fmt: skip
        if verdict is None:
            raise NotFound(f"unknown client {client_id!r}", params={"id": client_id})
        return BookingCheck(
            allowed=verdict.allowed,
            reasons=verdict.reasons,
            codes=[BookingRefusal(c) for c in verdict.codes],
            waitlist_allowed=verdict.waitlist_allowed,
            mode=BookingBlockMode(verdict.block.mode.value) if verdict.block else None,
            block_reason=verdict.block.reason if verdict.block and not own else None,
            refusals=[
                BookingCheckRefusal(
                    code=BookingRefusal(code), message=reason, params=message_params(named)
                )
                for code, reason, named in zip(
                    verdict.codes, verdict.reasons, verdict.params, strict=True
                )
            ],
        )

    @strawberry.field(description="C1: progress and row errors of a CSV import.")
    async def import_job(self, info: Info[Any, Any], id: strawberry.ID) -> ImportJob | None:
        ctx = require(info, *STAFF)
        doc = await repo_of(ctx).job(str(id))
        return ImportJob.from_doc(doc) if doc else None

    @strawberry.field(
        description="C12: everything the clients service holds about a client, as a JSON "
        "document (text). `studioctl export-client` joins it with every other service's part."
    )
    async def client_export(self, info: Info[Any, Any], id: strawberry.ID) -> str | None:
        ctx = require(info, *MANAGERS)
        repo = repo_of(ctx)
        card = await repo.client(str(id))
        if card is None or card.get("erased"):
            raise NotFound(f"unknown client {id!r}", params={"id": id})
        return privacy.export_card(card, await repo.definitions(), exported_at=ctx.now())


@strawberry.type
class Mutation(BookingBlockMutation):
    @strawberry.mutation(
        description="C12: erase a client's personal data here and, through "
        "`clients.client_erased.v1`, in every other service."
    )
    async def erase_client(
        self,
        info: Info[Any, Any],
        id: strawberry.ID,
        idempotency_key: Annotated[str | None, REPEAT_KEY] = None,
    ) -> ClientPayload | None:
        ctx = require(info, *MANAGERS)
        repo = repo_of(ctx)

        async def run() -> tuple[ClientPayload, Doc | None]:
            outcome = await privacy.erase_client(
                repo.cards(), repo, repo.files(), str(id), now=ctx.now()
            )
            payload = ClientPayload(client=None, user_errors=errors(outcome.problems))
            return payload, (None if outcome.problems else {"erased": str(id)})

        async def replay(record: Doc) -> ClientPayload:
            return ClientPayload(client=None, user_errors=[])

        try:
            return await once_for(ctx, idempotency_key, "eraseClient", run, replay)
        except RepeatRefused as exc:
            return ClientPayload(client=None, user_errors=[key_error(exc)])


# The order of the parts is the order of the fields in the exported SDL.
Subscription = merge_types("Subscription", (CardSubscription, ImportSubscription))

schema = SubgraphSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[Client, *STUB_TYPES],
    extensions=schema_extensions(),
    federation_version="2.9",
)


def _position(cursor: str | None) -> tuple[str, str] | None:
    """A client list cursor's `(sort_name, id)`."""
    position = decode_position(cursor, 2)
    return (position[0], position[1]) if position is not None else None
