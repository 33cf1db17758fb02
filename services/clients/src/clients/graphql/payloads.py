"""GraphQL payloads of the clients subgraph, and how use-case results become them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import strawberry
from plumbing.error_codes import UserErrorCode, error_code
from plumbing.gql import MessageParam, UserError, message_params, user_error
from plumbing.i18n import current_language, translate
from plumbing.mongo import Doc

from clients.domain.model import Problems
from clients.graphql.types import BookingBlockMode, Client, CustomFieldDefinition, Studio
from clients.messages import IMPORT_FAILURES
from clients.service_layer import cards


@strawberry.type
class ClientPayload:
    client: Client | None
    user_errors: list[UserError]


@strawberry.type
class StudioPayload:
    studio: Studio | None
    user_errors: list[UserError]


@strawberry.enum(description="Why a client may not book online.")
class BookingRefusal(StrEnum):
    CLIENT_ARCHIVED = "CLIENT_ARCHIVED"
    ONLINE_BOOKING_BLOCKED = "ONLINE_BOOKING_BLOCKED"
    NEEDS_APPROVAL = "NEEDS_APPROVAL"
    BOOKING_BLOCKED = "BOOKING_BLOCKED"
    DISLIKED_SERVICE = "DISLIKED_SERVICE"


@strawberry.type(description="One reason a booking is refused: its code, sentence and values.")
class BookingCheckRefusal:
    code: BookingRefusal
    message: str = strawberry.field(description="Why not, in the request's language.")
    params: list[MessageParam] = strawberry.field(
        description="What the reason names: `mode` and `channel` for a block, `serviceId`, "
        "`serviceName` (and `comment`) for a disliked service."
    )


@strawberry.type
class BookingCheck:
    allowed: bool
    reasons: list[str] = strawberry.field(description="Why not, in the request's language.")
    codes: list[BookingRefusal] = strawberry.field(
        description="The reasons as stable codes, in the order of `reasons`."
    )
    waitlist_allowed: bool = strawberry.field(
        description="Whether the client may still join a waitlist (a blocked client may, "
        "unless the block is NO_BOOKING)."
    )
    mode: BookingBlockMode | None = strawberry.field(
        default=None,
        description="B7: the mode of the block that covers this booking; null when none does.",
    )
    block_reason: str | None = strawberry.field(
        default=None,
        description="B7: why the client is blocked, as staff wrote it (for staff and "
        "partners' booking systems; null for the client themself).",
    )
    refusals: list[BookingCheckRefusal] = strawberry.field(
        default_factory=list,
        description="The reasons with their codes and params (`reasons` and `codes` in one).",
    )


@strawberry.type
class ImportRowError:
    row: int = strawberry.field(description="The file's line number (the header is row 1).")
    message: str = strawberry.field(description="Why, in the request's language.")
    code: UserErrorCode = strawberry.field(
        default=UserErrorCode.INVALID,
        description="Why, as a stable code (rows of imports run before codes: INVALID).",
    )
    params: list[MessageParam] = strawberry.field(
        default_factory=list, description="What the message names, by name."
    )

    @classmethod
    def from_doc(cls, doc: Doc) -> ImportRowError:
        code = error_code(str(doc.get("code") or "INVALID"))
        params = dict(doc.get("params") or {})
        return cls(
            row=doc["row"],
            message=translate(code.value, params, fallback=doc["message"]),
            code=code,
            params=message_params(params),
        )


@strawberry.enum(description="Why a FAILED import stopped.")
class ImportFailureCode(StrEnum):
    STOPPED = "STOPPED"  # its process stopped mid-file (a restart); importing again adds the rest
    INTERNAL_ERROR = "INTERNAL_ERROR"


@strawberry.enum
class ImportJobStatus(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@strawberry.type
class ImportJob:
    id: strawberry.ID
    status: ImportJobStatus
    total: int
    processed: int
    created: int
    duplicates: int
    errors: list[ImportRowError]
    failure: str | None = strawberry.field(
        default=None,
        description="Why a FAILED import stopped (rows already imported stay), in the "
        "request's language.",
    )
    failure_code: ImportFailureCode | None = strawberry.field(
        default=None, description="`failure` as a stable code; null unless FAILED."
    )
    failure_params: list[MessageParam] = strawberry.field(
        default_factory=list,
        description="What `failure` names: `processed` and `total` rows.",
    )

    @classmethod
    def from_doc(cls, doc: Doc) -> ImportJob:
        return cls(
            id=strawberry.ID(doc["id"]),
            status=ImportJobStatus(doc["status"]),
            total=int(doc["total"]),
            processed=int(doc["processed"]),
            created=int(doc["created"]),
            duplicates=int(doc["duplicates"]),
            errors=[ImportRowError.from_doc(e) for e in doc["errors"]],
            **_failure(doc),
        )


def _failure(doc: Doc) -> dict[str, Any]:
    """Why a job stopped, for staff: a code, its values and a sentence in the request's
    language, never an exception's text (the stored `failure` is the English sentence of a
    stalled import, or an exception's text)."""
    stored = doc.get("failure")
    if not isinstance(stored, str) or not stored:
        return {}
    code = (
        ImportFailureCode.STOPPED
        if stored.startswith(("the import stopped before", "la importación", "l'importazione"))
        else ImportFailureCode.INTERNAL_ERROR
    )
    params = {"processed": str(doc.get("processed", 0)), "total": str(doc.get("total", 0))}
    sentence = IMPORT_FAILURES[code.value][current_language()].format(**params)
    return {"failure": sentence, "failure_code": code, "failure_params": message_params(params)}


def errors(problems: Problems) -> list[Any]:
    return [user_error(p.message, p.code, *p.path, **p.params) for p in problems.items]


def client_payload(outcome: cards.Outcome) -> ClientPayload:
    client = Client.from_doc(outcome.client) if outcome.client and not outcome.problems else None
    return ClientPayload(client=client, user_errors=errors(outcome.problems))


@strawberry.type
class ImportClientsPayload:
    job: ImportJob | None = strawberry.field(description="Follow it with `importJob`.")
    user_errors: list[UserError]


@strawberry.type
class CustomFieldPayload:
    custom_field: CustomFieldDefinition | None
    user_errors: list[UserError]
