"""Root fields of the clients subgraph. Thin: input -> use case -> payload."""

from __future__ import annotations

from typing import Any

import strawberry
from plumbing.auth import MANAGERS, STAFF, Role
from plumbing.enums import Channel, MessageCategory
from plumbing.errors import BadInput, NotFound
from plumbing.gql import (
    PageInfo,
    RequestContext,
    context_of,
    decode_cursor,
    encode_cursor,
    page_size,
    require,
    require_scope,
    schema_extensions,
    user_error,
)
from strawberry.file_uploads import Upload
from strawberry.types import Info

from clients.adapters.files import FileStore
from clients.adapters.repository import Repository
from clients.config import Settings
from clients.domain.card import BookingChannel, CustomFieldType
from clients.domain.model import ClientSource, Problems
from clients.domain.model import ClientSource as Source
from clients.graphql.partner_keys import PartnerKeyMutation, PartnerKeyQuery
from clients.graphql.search import client_criteria, client_query
from clients.graphql.types import (
    BookingCheck,
    Client,
    ClientConnection,
    ClientEdge,
    ClientFilter,
    ClientInput,
    ClientPayload,
    CustomFieldDefinition,
    ImportJob,
    Studio,
    StudioInput,
    StudioPayload,
    input_values,
)
from clients.service_layer import cards, extras, imports, privacy, studio

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
    """A client another subgraph names (a task, a booking of the day, a rank). A card
    erased since then resolves to what is left of it (no name, status ARCHIVED), so the
    caller's list shows an erased client instead of failing as a whole."""
    ctx = context_of(info)
    if not ctx.principal.has(*READERS):
        return await load_client(ctx, str(id))  # a CLIENT: their own card only
    doc = await repo_of(ctx).client(str(id))
    if doc is None:
        return None
    if doc.get("erased"):
        return Client.from_doc({**doc, "first_name": "", "last_name": ""})
    return Client.from_doc(doc)


Client.resolve_reference = classmethod(  # type: ignore[attr-defined]
    lambda cls, info, id: resolve_client_reference(info, id)
)


def card_input(input: ClientInput) -> cards.CardInput:
    return cards.CardInput(**input_values(input))


@strawberry.type
class Query(PartnerKeyQuery):
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
    ) -> ClientConnection:
        ctx = require(info, *READERS)
        require_scope(info, "clients:read")
        size = page_size(first)
        query = client_query(filter)
        repo = repo_of(ctx)
        position = decode_cursor(after)
        name, _, last_id = (position or "").partition("\x00")
        total, docs = await repo.search_clients(
            query,
            client_criteria(filter),
            after=(name, last_id) if position is not None else None,
            limit=size + 1,
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

    @strawberry.field(description="C5: the studio's custom fields.")
    async def custom_field_definitions(
        self, info: Info[Any, Any], include_archived: bool = False
    ) -> list[CustomFieldDefinition]:
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
    ) -> BookingCheck:
        ctx = context_of(info)
        principal = ctx.principal
        if not principal.has(*READERS) and principal.client_id != str(client_id):
            raise NotFound(f"unknown client {client_id!r}")
        verdict = await extras.check_booking(
            repo_of(ctx), str(client_id), str(service_id), BookingChannel(channel)
        )
        if verdict is None:
            raise NotFound(f"unknown client {client_id!r}")
        return BookingCheck(
            allowed=verdict.allowed,
            reasons=verdict.reasons,
            codes=verdict.codes,
            waitlist_allowed=verdict.waitlist_allowed,
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
    async def client_export(self, info: Info[Any, Any], id: strawberry.ID) -> str:
        ctx = require(info, *MANAGERS)
        repo = repo_of(ctx)
        card = await repo.client(str(id))
        if card is None or card.get("erased"):
            raise NotFound(f"unknown client {id!r}")
        return privacy.export_card(card, await repo.definitions(), exported_at=ctx.now())


@strawberry.type
class Mutation(PartnerKeyMutation):
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
        require_scope(info, "clients:write")
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

    @strawberry.mutation(
        description="C1: import clients from a CSV file (header row with at least first and "
        "last name columns). Returns at once; follow it with `importJob`."
    )
    async def import_clients(self, info: Info[Any, Any], file: Upload) -> ImportJob:
        ctx = require(info, *STAFF)
        limits = limits_of(ctx)
        data = await read_upload(file, limits.max_import_bytes)
        if data is None:
            raise BadInput(
                f"the file is larger than {limits.max_import_bytes // (1024 * 1024)} MB",
                code="FILE_TOO_LARGE",
            )
        try:
            job = await imports.start_import(
                repo_of(ctx),
                data,
                actor=cards.Actor(ctx.principal.subject),
                now=ctx.now(),
                max_rows=limits.max_import_rows,
            )
        except imports.ImportRefused as exc:
            raise BadInput(exc.message, code=exc.code) from None
        return ImportJob.from_doc(job)

    @strawberry.mutation(description="C5: add a custom field to every client card.")
    async def define_custom_field(
        self,
        info: Info[Any, Any],
        label: str,
        type: CustomFieldType,
        choices: list[str] | None = None,
        collect_on: list[str] | None = None,
        required: bool | None = False,
    ) -> CustomFieldDefinition:
        ctx = require(info, *MANAGERS)
        doc, problems = await extras.define_custom_field(
            repo_of(ctx),
            label=label,
            kind=CustomFieldType(type),
            choices=choices,
            collect_on=collect_on,
            required=bool(required),
        )
        if doc is None:
            raise_problems(problems)
        assert doc is not None
        return CustomFieldDefinition.from_doc(doc)

    @strawberry.mutation(
        description="C5: stop offering a custom field; the values already set are kept."
    )
    async def archive_custom_field(
        self, info: Info[Any, Any], id: strawberry.ID
    ) -> CustomFieldDefinition:
        ctx = require(info, *MANAGERS)
        doc, problems = await extras.archive_custom_field(repo_of(ctx), str(id))
        if doc is None:
            raise_problems(problems)
        assert doc is not None
        return CustomFieldDefinition.from_doc(doc)

    @strawberry.mutation(description="C5: set (or clear with null) a custom field's value.")
    async def set_custom_field_value(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        field_id: strawberry.ID,
        value: str | None = None,
    ) -> ClientPayload:
        ctx = require(info, *STAFF)
        outcome = await extras.set_custom_value(
            repo_of(ctx), str(client_id), str(field_id), value, now=ctx.now()
        )
        return client_payload(outcome)

    @strawberry.mutation(description="C6: assign an intake form to the client.")
    async def assign_form(
        self, info: Info[Any, Any], client_id: strawberry.ID, form_id: strawberry.ID, name: str
    ) -> ClientPayload:
        ctx = require(info, *STAFF)
        outcome = await extras.assign_form(
            repo_of(ctx), str(client_id), str(form_id), name, now=ctx.now()
        )
        return client_payload(outcome)

    @strawberry.mutation(
        description="C6: remove an assigned form; a completed form cannot be removed."
    )
    async def remove_form(
        self, info: Info[Any, Any], client_id: strawberry.ID, assigned_form_id: strawberry.ID
    ) -> ClientPayload:
        ctx = require(info, *STAFF)
        outcome = await extras.remove_form(
            repo_of(ctx), str(client_id), str(assigned_form_id), now=ctx.now()
        )
        return client_payload(outcome)

    @strawberry.mutation(
        description="C6: mark an assigned form as filled in (staff, or the client themself)."
    )
    async def complete_form(
        self, info: Info[Any, Any], client_id: strawberry.ID, assigned_form_id: strawberry.ID
    ) -> ClientPayload:
        ctx = require_self_or(info, str(client_id), *STAFF)
        outcome = await extras.complete_form(
            repo_of(ctx), str(client_id), str(assigned_form_id), now=ctx.now()
        )
        return client_payload(outcome)

    @strawberry.mutation(
        description="C6: attach a document (PDF, JPEG, PNG, WEBP, HEIC, text or Word; at "
        "most 10 MB by default), uploaded with the GraphQL multipart request spec."
    )
    async def upload_document(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        type: str,
        file: Upload,
        visible_to_client: bool | None = False,
    ) -> ClientPayload:
        ctx = require(info, *STAFF)
        limits = limits_of(ctx)
        data = await read_upload(file, limits.max_document_bytes)
        outcome = await extras.upload_document(
            repo_of(ctx),
            FileStore(ctx.db, ctx.tenant),
            str(client_id),
            type_=type,
            file_name=str(getattr(file, "filename", "") or ""),
            content_type=str(getattr(file, "content_type", "") or ""),
            data=data or b"",
            too_large=data is None,
            visible_to_client=bool(visible_to_client),
            max_bytes=limits.max_document_bytes,
            now=ctx.now(),
        )
        return client_payload(outcome)

    @strawberry.mutation(description="C6: delete a document and its file.")
    async def delete_document(
        self, info: Info[Any, Any], client_id: strawberry.ID, document_id: strawberry.ID
    ) -> ClientPayload:
        ctx = require(info, *STAFF)
        outcome = await extras.delete_document(
            repo_of(ctx), FileStore(ctx.db, ctx.tenant), str(client_id), str(document_id),
            now=ctx.now(),
        )  # fmt: skip
        return client_payload(outcome)

    @strawberry.mutation(description="C7: a service the client does not want, with a comment.")
    async def add_disliked_service(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        service_id: strawberry.ID,
        service_name: str,
        comment: str | None = None,
    ) -> ClientPayload:
        ctx = require(info, *STAFF)
        outcome = await extras.add_disliked(
            repo_of(ctx), str(client_id), service_id=str(service_id), service_name=service_name,
            comment=comment, now=ctx.now(),
        )  # fmt: skip
        return client_payload(outcome)

    @strawberry.mutation(description="C7: change the comment of a disliked service.")
    async def update_disliked_service(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        disliked_id: strawberry.ID,
        comment: str | None = None,
    ) -> ClientPayload:
        ctx = require(info, *STAFF)
        outcome = await extras.update_disliked(
            repo_of(ctx), str(client_id), str(disliked_id), comment, now=ctx.now()
        )
        return client_payload(outcome)

    @strawberry.mutation(description="C7: remove a disliked service.")
    async def remove_disliked_service(
        self, info: Info[Any, Any], client_id: strawberry.ID, disliked_id: strawberry.ID
    ) -> ClientPayload:
        ctx = require(info, *STAFF)
        outcome = await extras.remove_disliked(
            repo_of(ctx), str(client_id), str(disliked_id), now=ctx.now()
        )
        return client_payload(outcome)

    @strawberry.mutation(
        description="C8: switch one category on one channel (staff, or the client themself)."
    )
    async def set_communication_preference(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        category: MessageCategory,
        channel: Channel,
        enabled: bool,
    ) -> ClientPayload:
        ctx = require_self_or(info, str(client_id), *STAFF)
        outcome = await extras.set_preference(
            repo_of(ctx), str(client_id), category=MessageCategory(category).value,
            channel=Channel(channel).value, enabled=enabled, now=ctx.now(),
        )  # fmt: skip
        return client_payload(outcome)

    @strawberry.mutation(
        description="C12: erase a client's personal data here and, through "
        "`clients.client_erased.v1`, in every other service."
    )
    async def erase_client(self, info: Info[Any, Any], id: strawberry.ID) -> ClientPayload:
        ctx = require(info, *MANAGERS)
        outcome = await privacy.erase_client(
            repo_of(ctx), FileStore(ctx.db, ctx.tenant), str(id), now=ctx.now()
        )
        return ClientPayload(client=None, user_errors=errors(outcome.problems))


def require_self_or(info: Info[Any, Any], client_id: str, *roles: Role) -> RequestContext:
    """Staff in `roles`, or the CLIENT whose own card this is."""
    ctx = context_of(info)
    if ctx.principal.has(*roles):
        return ctx
    if ctx.principal.has(Role.CLIENT) and ctx.principal.client_id == client_id:
        return ctx
    return require(info, *roles)  # raises FORBIDDEN with the roles needed


def raise_problems(problems: Problems) -> None:
    first = problems.items[0]
    raise BadInput(first.message, code=first.code, field=list(first.path))


def limits_of(ctx: RequestContext) -> Settings:
    settings = ctx.settings
    return settings if isinstance(settings, Settings) else Settings()


async def read_upload(file: Any, limit: int) -> bytes | None:
    """The upload's bytes, or None when it is larger than `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await file.read(256 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    types=[Client],
    extensions=schema_extensions(),
    federation_version="2.9",
)
