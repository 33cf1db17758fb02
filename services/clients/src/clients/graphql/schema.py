"""Root fields of the clients subgraph. Thin: input -> use case -> payload."""

from __future__ import annotations

import re
from typing import Any

import strawberry
from plumbing.auth import MANAGERS, STAFF, Role
from plumbing.gql import (
    PageInfo,
    RequestContext,
    context_of,
    decode_cursor,
    encode_cursor,
    error_masking,
    page_size,
    require,
    user_error,
)
from strawberry.types import Info

from clients.adapters.repository import Repository
from clients.domain.model import ClientSource, Problems, fold
from clients.domain.model import ClientSource as Source
from clients.graphql.types import (
    Client,
    ClientConnection,
    ClientEdge,
    ClientFilter,
    ClientInput,
    ClientPayload,
    Studio,
    StudioInput,
    StudioPayload,
    input_values,
)
from clients.service_layer import cards, studio

READERS = (*STAFF, Role.PARTNER)


def repo_of(ctx: RequestContext) -> Repository:
    return Repository(ctx.db, ctx.tenant, ctx.outbox)


def errors(problems: Problems) -> list[Any]:
    return [user_error(p.message, p.code, *p.path) for p in problems.items]


def client_payload(outcome: cards.Outcome) -> ClientPayload:
    client = Client.from_doc(outcome.client) if outcome.client and not outcome.problems else None
    return ClientPayload(client=client, user_errors=errors(outcome.problems))


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
    return await load_client(context_of(info), str(id))


Client.resolve_reference = classmethod(  # type: ignore[attr-defined]
    lambda cls, info, id: resolve_client_reference(info, id)
)


def card_input(input: ClientInput) -> cards.CardInput:
    return cards.CardInput(**input_values(input))


@strawberry.type
class Query:
    @strawberry.field
    async def studio(self, info: Info[Any, Any]) -> Studio:
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
        return await load_client(context_of(info), str(id))

    @strawberry.field
    async def clients(
        self,
        info: Info[Any, Any],
        filter: ClientFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> ClientConnection:
        ctx = require(info, *READERS)
        size = page_size(first)
        query: dict[str, Any] = {"erased": {"$ne": True}}
        if filter is not None:
            if filter.search and filter.search.strip():
                words = fold(filter.search).split()
                query["$and"] = [{"search_text": {"$regex": re.escape(w)}} for w in words[:5]]
            if filter.status:
                query["status"] = {"$in": [s.value for s in filter.status]}
            if filter.branch_id:
                query["preferred_branch_id"] = str(filter.branch_id)
            if filter.birthday_on:
                day = filter.birthday_on
                days = [day.strftime("%m-%d")]
                if day.month == 2 and day.day == 28 and not _leap(day.year):
                    days.append("02-29")  # leap-day birthdays are celebrated on the 28th
                query["birth_md"] = {"$in": days}
        repo = repo_of(ctx)
        total = await repo.count_clients(query)
        position = decode_cursor(after)
        page_query = dict(query)
        if position is not None:
            name, _, last_id = position.partition("\x00")
            page_query["$or"] = [
                {"sort_name": {"$gt": name}},
                {"sort_name": name, "id": {"$gt": last_id}},
            ]
        docs = await repo.find_clients(
            page_query, sort=[("sort_name", 1), ("id", 1)], limit=size + 1
        )
        edges = [
            ClientEdge(
                cursor=encode_cursor(f"{d['sort_name']}\x00{d['id']}"), node=Client.from_doc(d)
            )
            for d in docs[:size]
        ]
        return ClientConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(docs) > size,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=total,
        )


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def update_studio(self, info: Info[Any, Any], input: StudioInput) -> StudioPayload:
        ctx = require(info, *MANAGERS)
        doc, problems = await studio.update_studio(studio.UpdateStudio(**vars(input)), repo_of(ctx))
        return StudioPayload(
            studio=Studio.from_doc(doc) if doc else None, user_errors=errors(problems)
        )

    @strawberry.mutation
    async def add_branch(
        self, info: Info[Any, Any], name: str, time_zone: str | None = None
    ) -> StudioPayload:
        ctx = require(info, *MANAGERS)
        doc, problems = await studio.add_branch(name, time_zone, repo_of(ctx))
        return StudioPayload(
            studio=Studio.from_doc(doc) if doc else None, user_errors=errors(problems)
        )

    @strawberry.mutation(
        description="Create a client card. Partners and website widgets create leads."
    )
    async def create_client(
        self,
        info: Info[Any, Any],
        input: ClientInput,
        source: ClientSource | None = None,
        referred_by_client_id: strawberry.ID | None = None,
    ) -> ClientPayload:
        ctx = require(info, *STAFF, Role.PARTNER)
        partner = ctx.principal.has(Role.PARTNER) and not ctx.principal.is_staff
        allowed = {Source.PARTNER, Source.WIDGET} if partner else {Source.MANUAL, Source.WIDGET}
        chosen = (
            Source(source) if source is not None else (Source.PARTNER if partner else Source.MANUAL)
        )
        if chosen not in allowed:
            problems = Problems()
            problems.add(
                f"source {chosen.value} cannot be set by this caller", "INVALID_SOURCE", "source"
            )
            return ClientPayload(client=None, user_errors=errors(problems))
        outcome = await cards.create_client(
            card_input(input),
            repo_of(ctx),
            actor=cards.Actor(ctx.principal.subject, is_partner=partner),
            now=ctx.now(),
            source=chosen,
            referred_by=str(referred_by_client_id) if referred_by_client_id else None,
        )
        return client_payload(outcome)

    @strawberry.mutation
    async def update_client(
        self, info: Info[Any, Any], id: strawberry.ID, input: ClientInput
    ) -> ClientPayload:
        ctx = require(info, *STAFF)
        outcome = await cards.update_client(str(id), card_input(input), repo_of(ctx), now=ctx.now())
        return client_payload(outcome)

    @strawberry.mutation
    async def add_client_note(
        self, info: Info[Any, Any], client_id: strawberry.ID, text: str
    ) -> ClientPayload:
        ctx = require(info, *STAFF)
        outcome = await cards.add_note(
            str(client_id),
            text,
            repo_of(ctx),
            actor=cards.Actor(ctx.principal.subject),
            now=ctx.now(),
        )
        return client_payload(outcome)


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    types=[Client],
    extensions=[error_masking],
    federation_version="2.9",
)
