"""K7: partner facts in. The graph's `record*` mutations and the Kafka consumer apply the
same checks (`problems_of`) to the same event shapes; the mutations then write the fact
with its event (one insert keyed by the fact's natural id) and the relay publishes it,
so both paths reach the read models through the consumer.

Partners send facts in any order: a fact whose session, booking, waitlist entry or sale
has not arrived yet is not wrong, only early (`WAITS_FOR`). Both paths accept it: the
mutation records it and answers PENDING, and the consumer keeps it waiting
(`plumbing.event_handlers.Pending`) until what it needs has been applied, then applies it as
if it had come in order."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import field as dataclass_field
from decimal import Decimal

from plumbing.card_arrival import awaited, pauses_for
from plumbing.contracts import EventData

from crm.events import (
    AppLoggedOut,
    AppSessionStarted,
    BookingCancelled,
    BookingMade,
    GiftCardReported,
    MembershipReported,
    NotificationBounced,
    PurchaseRecorded,
    PurchaseRefunded,
    SessionScheduled,
    VisitRecorded,
    WaitlistConverted,
    WaitlistJoined,
    catalog,
    visit_key,
)
from crm.service_layer.corrections import same_fact
from crm.service_layer.ports import Doc, ReadModels, RecordedFacts


@dataclass(frozen=True)
class Problem:
    message: str
    code: str
    field: tuple[str, ...] = ()
    # What the message names, by name (`UserError.params`).
    params: Mapping[str, object] = dataclass_field(default_factory=dict)


# Problems that mean "not yet": the fact waits for what it names. On the Kafka path a
# fact also waits for its client's card (`UNKNOWN_CLIENT`); through the graph the
# card is looked up at once (after a short wait for one created a moment ago) and an
# unknown client is refused, since the caller can check the id it sent.
WAITS_FOR = frozenset(
    {"UNKNOWN_SESSION", "UNKNOWN_BOOKING", "UNKNOWN_WAITLIST_ENTRY", "UNKNOWN_INVOICE"}
)
CONSUMER_WAITS_FOR = WAITS_FOR | {"UNKNOWN_CLIENT"}


@dataclass
class Outcome:
    accepted: bool = False
    event_id: str | None = None
    problems: list[Problem] = field(default_factory=list)
    # Accepted, and applied once these have arrived (their codes are in `WAITS_FOR`).
    waiting_for: list[Problem] = field(default_factory=list)
    # A correction: the event id of the fact as first reported (`corrections`).
    corrects: str | None = None


# The field a fact's natural key comes from, in the caller's words (FACT_CONFLICT).
KEY_FIELDS = {"sale": "invoiceNumber", "app": "occurredAt", "visit": "visitId"}


def digest(data: EventData) -> str:
    text = json.dumps(data.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def conflict_message(key: str, found: Doc) -> str:
    """FACT_CONFLICT in the partner's words: what was reported before, and as which event."""
    kind, _, name = key.partition(":")
    return (
        f"{kind} {name!r} was reported before with other content (event "
        f"{found.get('event_id')}); report a new {kind} under a new id"
    )


def fact_key(data: EventData) -> str:
    """The natural id of a fact: the same key twice is the same fact."""
    match data:
        case SessionScheduled():
            return f"session:{data.session_id}"
        case BookingMade():
            return f"booking:{data.booking_id}"
        case BookingCancelled():
            return f"cancel:{data.booking_id}"
        case WaitlistJoined():
            return f"waitlist:{data.entry_id}"
        case WaitlistConverted():
            return f"convert:{data.entry_id}"
        case VisitRecorded():
            return f"visit:{visit_key(data)}"
        case PurchaseRecorded():
            return f"sale:{data.invoice_number}"
        case PurchaseRefunded():
            return f"refund:{data.invoice_number}"
        case MembershipReported():
            # Latest report wins: each report is its own fact (same report twice: one).
            return f"membership:{data.membership_id}:{data.reported_at.isoformat()}"
        case GiftCardReported():
            return f"giftcard:{data.gift_card_id}:{data.reported_at.isoformat()}"
        case AppSessionStarted():
            return f"app:{data.client_id}:start:{data.occurred_at.isoformat()}"
        case AppLoggedOut():
            return f"app:{data.client_id}:logout:{data.occurred_at.isoformat()}"
        case NotificationBounced():
            return f"app:{data.client_id}:bounce:{data.occurred_at.isoformat()}"
    raise ValueError(f"{type(data).__name__} is not a partner fact")


def client_of(data: EventData) -> str | None:
    value = getattr(data, "client_id", None)
    return str(value) if value else None


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


async def awaited_profile(views: ReadModels, client_id: str) -> Doc | None:
    """The client's profile, waiting a little for a card created just now
    (`plumbing.card_arrival`): a partner may report a sale right after creating the card."""
    return await awaited(lambda: views.profiles.get(client_id), pauses_for(client_id))


async def problems_of(views: ReadModels, data: EventData, *, caller: bool = False) -> list[Problem]:
    """Everything that makes a fact unusable, in the caller's words. A `caller` of the
    graph waits a little for a client created just now (`awaited_profile`)."""
    # Money, counts and times are in bounds already: the models refuse the rest
    # (`plumbing.bounds`: BAD_AMOUNT, NAIVE_TIME, FUTURE_TIME), on both paths.
    problems: list[Problem] = []
    client_id = client_of(data)
    if client_id is not None and (
        await (awaited_profile(views, client_id) if caller else views.profiles.get(client_id))
        is None
    ):
        problems.append(
            Problem(
                f"unknown client {client_id!r}", "UNKNOWN_CLIENT", ("clientId",), {"id": client_id}
            )
        )
    match data:
        case SessionScheduled():
            if data.capacity < 0:
                problems.append(
                    Problem("capacity must be 0 or more", "BAD_CAPACITY", ("capacity",))
                )
            if not data.session_id.strip() or not data.service_id.strip():
                problems.append(
                    Problem("session and service ids are required", "REQUIRED", ("id",))
                )
        case BookingMade() | BookingCancelled() | WaitlistJoined() | WaitlistConverted():
            if await views.facts.get(f"session:{data.session_id}") is None:
                problems.append(
                    Problem(
                        f"unknown session {data.session_id!r}: record the session first",
                        "UNKNOWN_SESSION",
                        ("sessionId",),
                        {"id": data.session_id},
                    )
                )
            if isinstance(data, BookingCancelled):
                booking = await views.facts.get(f"booking:{data.booking_id}")
                if booking is None:
                    problems.append(
                        Problem(
                            f"unknown booking {data.booking_id!r}",
                            "UNKNOWN_BOOKING",
                            ("id",),
                            {"id": data.booking_id},
                        )
                    )
                elif booking.get("client_id") != data.client_id:
                    problems.append(
                        Problem(
                            "the booking belongs to another client", "WRONG_CLIENT", ("clientId",)
                        )
                    )
            if isinstance(data, WaitlistConverted):
                entry = await views.facts.get(f"waitlist:{data.entry_id}")
                if entry is None:
                    problems.append(
                        Problem(
                            f"unknown waitlist entry {data.entry_id!r}",
                            "UNKNOWN_WAITLIST_ENTRY",
                            ("id",),
                        )
                    )
        case VisitRecorded():
            if data.session_id and await views.facts.get(f"session:{data.session_id}") is None:
                problems.append(
                    Problem(
                        f"unknown session {data.session_id!r}",
                        "UNKNOWN_SESSION",
                        ("sessionId",),
                        {"id": data.session_id},
                    )
                )
        case PurchaseRecorded():
            problems.extend(_purchase_problems(data))
        case PurchaseRefunded():
            sale = await views.facts.get(f"sale:{data.invoice_number}")
            if sale is None:
                problems.append(
                    Problem(
                        f"unknown invoice {data.invoice_number!r}",
                        "UNKNOWN_INVOICE",
                        ("invoiceNumber",),
                        {"id": data.invoice_number},
                    )
                )
        case MembershipReported():
            if data.valid_until is not None and data.valid_until < data.valid_from:
                problems.append(
                    Problem("validUntil is before validFrom", "BAD_PERIOD", ("validUntil",))
                )
    return problems


def _purchase_problems(data: PurchaseRecorded) -> list[Problem]:
    problems: list[Problem] = []
    if not data.invoice_number.strip():
        problems.append(Problem("invoiceNumber is required", "REQUIRED", ("invoiceNumber",)))
    if not data.lines:
        problems.append(Problem("a purchase needs at least one line", "NO_LINES", ("lines",)))
    # Each amount and the total are in bounds already (`plumbing.bounds.Amount` in the model).
    total = sum((line.amount for line in data.lines), Decimal("0"))
    paid = sum((p.amount for p in data.payments), Decimal("0"))
    if paid > total:
        problems.append(
            Problem(
                f"payments ({paid}) exceed the total ({total})",
                "OVERPAID",
                ("payments",),
                {"paid": paid, "total": total},
            )
        )
    return problems


async def record(views: ReadModels, recorded: RecordedFacts, facts: list[EventData]) -> Outcome:
    """Validate and write one fact (and the events that come with it, e.g. a converted
    waitlist place also books). The first fact decides the natural key. A fact that
    only waits for another (`WAITS_FOR`) is written too, and said to be waiting."""
    problems: list[Problem] = []
    for data in facts:
        problems.extend(await problems_of(views, data, caller=True))
    if any(p.code not in WAITS_FOR for p in problems):
        return Outcome(problems=problems)
    main = facts[0]
    subject = client_of(main)
    envelopes = [
        catalog.envelope(data, tenant=views.tenant, subject=subject or client_of(data))
        for data in facts
    ]
    body = {"type": envelopes[0].type, "client_id": subject, **main.model_dump(mode="json")}
    key = fact_key(main)
    saved = await recorded.record(key, envelopes, body)
    if saved.get("duplicate") and not same_fact(main, saved):
        if not isinstance(main, SessionScheduled):
            field = KEY_FIELDS.get(key.partition(":")[0], "id")
            return Outcome(
                problems=[Problem(conflict_message(key, saved), "FACT_CONFLICT", (field,))]
            )
        # A correction: its own fact, keyed by what it says and the version it corrects
        # (the same correction sent twice is one), applied by the consumer against the
        # session as stored.
        version = saved.get("corrected_by") or saved["event_id"]
        fixed = await recorded.record(f"{key}~{version}~{digest(main)}", envelopes, body)
        return Outcome(
            accepted=True,
            event_id=str(fixed["event_id"]),
            waiting_for=problems,
            corrects=str(saved["event_id"]),
        )
    return Outcome(accepted=True, event_id=str(saved["event_id"]), waiting_for=problems)
