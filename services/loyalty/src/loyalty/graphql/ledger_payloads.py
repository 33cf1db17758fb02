"""The payload of a change to a client's points, and changes by hand made once per
idempotency key (`plumbing.repeats`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from plumbing.gql import RequestContext, UserError
from plumbing.mongo import Doc
from plumbing.repeats import RepeatRefused, key_error, once_for

from loyalty.adapters.ledger_documents import entry_doc, entry_of
from loyalty.adapters.tenant_storage import request_stores
from loyalty.domain.ledger import LoyaltyError
from loyalty.graphql.accounts import Client, LedgerPayload
from loyalty.graphql.types import LedgerEntry, LoyaltyAccount
from loyalty.service_layer import views
from loyalty.service_layer.account_changes import Outcome


async def ledger_payload(ctx: RequestContext, outcome: Outcome, client_id: str) -> LedgerPayload:
    currency = await views.studio_currency(request_stores(ctx))
    program = await views.current_program(request_stores(ctx))
    return LedgerPayload(
        entries=[LedgerEntry.of(e, currency) for e in outcome.entries],
        account=LoyaltyAccount.of(
            outcome.loaded.account,
            program,
            currency,
            known=bool(outcome.loaded.profile.get("known")),
        ),
        client=Client(id=strawberry.ID(client_id)),
        user_errors=[],
    )


def failed(*errors: UserError) -> LedgerPayload:
    return LedgerPayload(entries=[], account=None, client=None, user_errors=list(errors))


def field_of(exc: LoyaltyError) -> str:
    return "clientId" if exc.code == "CLIENT_NOT_FOUND" else "points"


def record_of(outcome: Outcome) -> Doc:
    """What a repeat of a change by hand answers: the entries it made."""
    return {"entries": [entry_doc(e) for e in outcome.entries]}


async def once_by_hand(
    ctx: RequestContext,
    key: str | None,
    action: str,
    client_id: str,
    run: Callable[[], Awaitable[tuple[LedgerPayload, Doc | None]]],
) -> LedgerPayload:
    """A change by hand once per idempotency key; a repeat answers the entries the first
    made, beside the account as it stands."""

    async def replay(record: Doc) -> LedgerPayload:
        card = await views.card(request_stores(ctx), client_id)
        return LedgerPayload(
            entries=[LedgerEntry.of(entry_of(e), card.currency) for e in record["entries"]],
            account=LoyaltyAccount.of(
                card.account,
                card.program,
                card.currency,
                known=card.known,
                unread_pages=card.unread_pages,
            ),
            client=Client(id=strawberry.ID(client_id)),
            user_errors=[],
        )

    try:
        return await once_for(ctx, key, action, run, replay)
    except RepeatRefused as exc:
        return failed(key_error(exc))
