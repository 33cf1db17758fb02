"""Mutations of the card's richer parts (C5–C8). Thin: input -> use case -> payload."""

from __future__ import annotations

from typing import Any

import strawberry
from plumbing.auth import MANAGERS, STAFF, Role
from plumbing.enums import Channel, MessageCategory
from plumbing.gql import (
    require,
    require_scope,
)
from plumbing.mongo import Doc
from strawberry.file_uploads import Upload
from strawberry.types import Info

from clients.domain.card import CustomFieldType
from clients.domain.consent import ActorKind, BadEvidence, evidence
from clients.domain.model import Problems
from clients.graphql.caller import limits_of, read_upload, repo_of, require_self_or
from clients.graphql.card_mutations import CardMutation
from clients.graphql.consent import ConsentSource, actor_of
from clients.graphql.payloads import (
    ClientPayload,
    CustomFieldPayload,
    client_payload,
    errors,
)
from clients.graphql.types import CustomFieldDefinition
from clients.service_layer import (
    card_details,
    custom_fields,
    documents,
    preferences,
)
from clients.service_layer.card_details import problem


@strawberry.type
class CardDetailsMutation(CardMutation):
    """The card's richer parts: custom fields (C5), forms and documents (C6), disliked
    services (C7), communication preferences (C8)."""

    @strawberry.mutation(description="C5: add a custom field to every client card.")
    async def define_custom_field(
        self,
        info: Info[Any, Any],
        label: str,
        type: CustomFieldType,
        choices: list[str] | None = None,
        collect_on: list[str] | None = None,
        required: bool | None = False,
    ) -> CustomFieldPayload | None:
        ctx = require(info, *MANAGERS)
        doc, problems = await custom_fields.define_custom_field(
            repo_of(ctx).definition_documents(),
            label=label,
            kind=CustomFieldType(type),
            choices=choices,
            collect_on=collect_on,
            required=bool(required),
        )
        return _field_payload(doc, problems)

    @strawberry.mutation(
        description="C5 (Agregar/Editar campos): change a field's label, choices, the intake "
        "forms that collect it, or whether it is required; an argument left out stays. The "
        "type never changes. Values already entered are kept as they are: a value of a "
        "choice no longer offered reads as entered, with retiredChoice true."
    )
    async def edit_custom_field(
        self,
        info: Info[Any, Any],
        id: strawberry.ID,
        label: str | None = None,
        choices: list[str] | None = None,
        collect_on: list[str] | None = None,
        required: bool | None = None,
    ) -> CustomFieldPayload | None:
        ctx = require(info, *MANAGERS)
        changes = custom_fields.FieldChanges(
            label=label, choices=choices, collect_on=collect_on, required=required
        )
        doc, problems = await custom_fields.edit_custom_field(
            repo_of(ctx).definition_documents(), str(id), changes
        )
        return _field_payload(doc, problems)

    @strawberry.mutation(
        description="C5: stop offering a custom field; the values already set are kept."
    )
    async def archive_custom_field(
        self, info: Info[Any, Any], id: strawberry.ID
    ) -> CustomFieldPayload | None:
        ctx = require(info, *MANAGERS)
        doc, problems = await custom_fields.archive_custom_field(
            repo_of(ctx).definition_documents(), str(id)
        )
        return _field_payload(doc, problems)

    @strawberry.mutation(description="C5: set (or clear with null) a custom field's value.")
    async def set_custom_field_value(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        field_id: strawberry.ID,
        value: str | None = None,
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF)
        repo = repo_of(ctx)
        outcome = await custom_fields.set_custom_value(
            repo.cards(), await repo.definitions(), await repo.studio(), str(client_id),
            str(field_id), value, now=ctx.now(),
        )  # fmt: skip
        return client_payload(outcome)

    @strawberry.mutation(description="C6: assign an intake form to the client.")
    async def assign_form(
        self, info: Info[Any, Any], client_id: strawberry.ID, form_id: strawberry.ID, name: str
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF)
        outcome = await card_details.assign_form(
            repo_of(ctx).cards(), str(client_id), str(form_id), name, now=ctx.now()
        )
        return client_payload(outcome)

    @strawberry.mutation(
        description="C6: remove an assigned form; a completed form cannot be removed."
    )
    async def remove_form(
        self, info: Info[Any, Any], client_id: strawberry.ID, assigned_form_id: strawberry.ID
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF)
        outcome = await card_details.remove_form(
            repo_of(ctx).cards(), str(client_id), str(assigned_form_id), now=ctx.now()
        )
        return client_payload(outcome)

    @strawberry.mutation(
        description="C6: mark an assigned form as filled in (staff, or the client themself)."
    )
    async def complete_form(
        self, info: Info[Any, Any], client_id: strawberry.ID, assigned_form_id: strawberry.ID
    ) -> ClientPayload | None:
        ctx = require_self_or(info, str(client_id), *STAFF)
        outcome = await card_details.complete_form(
            repo_of(ctx).cards(), str(client_id), str(assigned_form_id), now=ctx.now()
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
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF)
        limits = limits_of(ctx)
        data = await read_upload(file, limits.max_document_bytes)
        repo = repo_of(ctx)
        outcome = await documents.upload_document(
            repo.cards(),
            repo.files(),
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

    @strawberry.mutation(
        description="C6: show a document to the client (in the app) or hide it again."
    )
    async def set_document_visibility(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        document_id: strawberry.ID,
        visible_to_client: bool,
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF)
        outcome = await documents.set_document_visibility(
            repo_of(ctx).cards(), str(client_id), str(document_id), visible_to_client,
            now=ctx.now(),
        )  # fmt: skip
        return client_payload(outcome)

    @strawberry.mutation(description="C6: delete a document and its file.")
    async def delete_document(
        self, info: Info[Any, Any], client_id: strawberry.ID, document_id: strawberry.ID
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF)
        repo = repo_of(ctx)
        outcome = await documents.delete_document(
            repo.cards(), repo.files(), str(client_id), str(document_id),
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
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF)
        outcome = await card_details.add_disliked(
            repo_of(ctx).cards(), str(client_id), service_id=str(service_id), service_name=service_name,
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
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF)
        outcome = await card_details.update_disliked(
            repo_of(ctx).cards(), str(client_id), str(disliked_id), comment, now=ctx.now()
        )
        return client_payload(outcome)

    @strawberry.mutation(description="C7: remove a disliked service.")
    async def remove_disliked_service(
        self, info: Info[Any, Any], client_id: strawberry.ID, disliked_id: strawberry.ID
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF)
        outcome = await card_details.remove_disliked(
            repo_of(ctx).cards(), str(client_id), str(disliked_id), now=ctx.now()
        )
        return client_payload(outcome)

    @strawberry.mutation(
        description="C8: switch one category on one channel (staff, the client themself, "
        "or a partner's system with clients:write). B8: each change is kept as evidence: "
        "who, through which channel (via; by default the console for staff, the app for "
        "the client, PARTNER_SYSTEM for a partner) and the consent wording or version shown."
    )
    async def set_communication_preference(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        category: MessageCategory,
        channel: Channel,
        enabled: bool,
        via: ConsentSource | None = None,  # type: ignore[valid-type]
        consent_text: str | None = None,
        consent_version: str | None = None,
    ) -> ClientPayload | None:
        ctx = require_self_or(info, str(client_id), *STAFF, Role.PARTNER)
        kind, actor_id = actor_of(ctx)
        if kind is ActorKind.PARTNER:
            require_scope(info, "clients:write")
        try:
            proof = evidence(kind, actor_id, via, consent_text, consent_version)
        except BadEvidence as exc:
            return client_payload(problem(exc.message, exc.code, exc.field))
        outcome = await preferences.set_preference(
            repo_of(ctx).cards(), str(client_id), category=MessageCategory(category).value,
            channel=Channel(channel).value, enabled=enabled, evidence=proof, now=ctx.now(),
        )  # fmt: skip
        return client_payload(outcome)


def _field_payload(doc: Doc | None, problems: Problems) -> CustomFieldPayload:
    if doc is None:
        return CustomFieldPayload(custom_field=None, user_errors=errors(problems))
    return CustomFieldPayload(custom_field=CustomFieldDefinition.from_doc(doc), user_errors=[])
