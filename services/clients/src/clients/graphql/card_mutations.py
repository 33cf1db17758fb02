"""Mutations of the studio and of the card's core fields. Thin: input -> use case ->
payload."""

from __future__ import annotations

from typing import Any

import strawberry
from plumbing.auth import MANAGERS, STAFF, Role
from plumbing.gql import (
    require,
    require_scope,
    user_error,
)
from plumbing.internal_calls import IDENTITY_SERVICE as APP_SIGN_UPS
from strawberry.file_uploads import Upload
from strawberry.types import Info

from clients.domain.model import ClientSource, Problems
from clients.domain.model import ClientSource as Source
from clients.graphql.caller import limits_of, read_upload, repo_of
from clients.graphql.inputs import ClientInput, CustomFieldValueInput, StudioInput, input_values
from clients.graphql.partner_keys import PartnerKeyMutation
from clients.graphql.payloads import (
    ClientPayload,
    ImportClientsPayload,
    ImportJob,
    StudioPayload,
    client_payload,
    errors,
)
from clients.graphql.types import Studio
from clients.service_layer import (
    cards,
    imports,
    studio,
)


def card_input(input: ClientInput) -> cards.CardInput:
    return cards.CardInput(**input_values(input))


@strawberry.type
class CardMutation(PartnerKeyMutation):
    """The studio and the card's core: create, update, notes, imports (C1–C3)."""

    @strawberry.mutation
    async def update_studio(self, info: Info[Any, Any], input: StudioInput) -> StudioPayload | None:
        ctx = require(info, *MANAGERS)
        doc, problems = await studio.update_studio(studio.UpdateStudio(**vars(input)), repo_of(ctx))
        return StudioPayload(
            studio=Studio.from_doc(doc) if doc else None, user_errors=errors(problems)
        )

    @strawberry.mutation
    async def add_branch(
        self, info: Info[Any, Any], name: str, time_zone: str | None = None
    ) -> StudioPayload | None:
        ctx = require(info, *MANAGERS)
        doc, problems = await studio.add_branch(name, time_zone, repo_of(ctx))
        return StudioPayload(
            studio=Studio.from_doc(doc) if doc else None, user_errors=errors(problems)
        )

    @strawberry.mutation(
        description="Create a client card. Partners, website widgets and sign-ups in the "
        "app (source APP, made by the identity service) create leads. "
        "customFields: C5 values; every required field in use needs one (REQUIRED)."
    )
    async def create_client(
        self,
        info: Info[Any, Any],
        input: ClientInput,
        source: ClientSource | None = None,
        referred_by_client_id: strawberry.ID | None = None,
        custom_fields: list[CustomFieldValueInput] | None = None,
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF, Role.PARTNER)
        require_scope(info, "clients:write")
        partner = ctx.principal.has(Role.PARTNER) and not ctx.principal.is_staff
        allowed = {Source.PARTNER, Source.WIDGET} if partner else {Source.MANUAL, Source.WIDGET}
        if ctx.principal.subject == APP_SIGN_UPS:
            allowed.add(Source.APP)
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
            custom={str(v.field_id): v.value for v in custom_fields or []},
        )
        return client_payload(outcome)

    @strawberry.mutation
    async def update_client(
        self, info: Info[Any, Any], id: strawberry.ID, input: ClientInput
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF)
        outcome = await cards.update_client(str(id), card_input(input), repo_of(ctx), now=ctx.now())
        return client_payload(outcome)

    @strawberry.mutation
    async def add_client_note(
        self, info: Info[Any, Any], client_id: strawberry.ID, text: str
    ) -> ClientPayload | None:
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
    async def import_clients(
        self, info: Info[Any, Any], file: Upload
    ) -> ImportClientsPayload | None:
        ctx = require(info, *STAFF)
        limits = limits_of(ctx)
        data = await read_upload(file, limits.max_import_bytes)
        if data is None:
            too_large = f"the file is larger than {limits.max_import_bytes // (1024 * 1024)} MB"
            refused = user_error(
                too_large, "FILE_TOO_LARGE", "file", maximum=limits.max_import_bytes
            )
            return ImportClientsPayload(job=None, user_errors=[refused])
        try:
            job = await imports.start_import(
                repo_of(ctx),
                data,
                actor=cards.Actor(ctx.principal.subject),
                now=ctx.now(),
                max_rows=limits.max_import_rows,
            )
        except imports.ImportRefused as exc:
            return ImportClientsPayload(
                job=None, user_errors=[user_error(exc.message, exc.code, "file", **exc.params)]
            )
        return ImportClientsPayload(job=ImportJob.from_doc(job), user_errors=[])
