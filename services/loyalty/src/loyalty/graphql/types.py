"""Strawberry types of the loyalty subgraph (the contract's loyalty section)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import strawberry
from plumbing import bounds
from plumbing.enums import PaymentMethod
from plumbing.errors import BadInput, Forbidden
from plumbing.gql import (
    Money,
    PageInfo,
    UserError,
    context_of,
    decode_cursor,
    encode_cursor,
    may_read_client,
)
from plumbing.node_ids import global_id
from plumbing.paging import page_info, window
from strawberry.types import Info

from loyalty.adapters.tenant_storage import request_stores
from loyalty.domain import earning
from loyalty.domain.earning import EarnRule, Program
from loyalty.domain.ledger import Account, Entry
from loyalty.service_layer import views


@strawberry.enum
class LedgerKind(StrEnum):
    EARN = "EARN"
    REDEEM = "REDEEM"
    GRANT = "GRANT"
    DEDUCT = "DEDUCT"
    EXPIRE = "EXPIRE"
    REVERSAL = "REVERSAL"


@strawberry.enum
class AutomationTrigger(StrEnum):
    BIRTHDAY = "BIRTHDAY"
    REFERRAL_FIRST_PURCHASE = "REFERRAL_FIRST_PURCHASE"
    VISIT_COUNT = "VISIT_COUNT"


@strawberry.type(description="B4: points granted once to a client promoted to the rank.")
class PromotionReward:
    rank_id: strawberry.ID
    points: int
    expiry_days: int = strawberry.field(description="How long the granted points last.")

    @classmethod
    def of(cls, reward: earning.PromotionReward) -> PromotionReward:
        return cls(
            rank_id=strawberry.ID(reward.rank_id),
            points=reward.points,
            expiry_days=reward.expiry_days,
        )


@strawberry.federation.type(keys=["id"])
class LoyaltyProgram:
    @strawberry.field(description="The program's global id (one program per studio).")
    def id(self, info: Info[Any, Any]) -> strawberry.ID:
        return strawberry.ID(global_id("LoyaltyProgram", context_of(info).tenant))

    enabled: bool
    point_value: Money
    earn_percent: Decimal
    expiry_days: int
    non_earning_payment_methods: list[PaymentMethod]
    receipt_branch_ids: list[strawberry.ID]
    expiry_reminder_days: int = strawberry.field(
        description="B5: clients are told this many days before points expire (0: never)."
    )
    promotion_rewards: list[PromotionReward] = strawberry.field(
        description="B4: points granted on a promotion, per rank (ranks without one grant none)."
    )

    @classmethod
    def of(cls, program: Program, currency: str) -> LoyaltyProgram:
        return cls(
            enabled=program.enabled,
            point_value=Money(amount=program.point_value, currency=currency),
            earn_percent=program.earn_percent,
            expiry_days=program.expiry_days,
            non_earning_payment_methods=[
                PaymentMethod(m) for m in sorted(program.non_earning_methods)
            ],
            receipt_branch_ids=[strawberry.ID(b) for b in program.receipt_branch_ids],
            expiry_reminder_days=program.expiry_reminder_days,
            promotion_rewards=[
                PromotionReward.of(r) for _, r in sorted(program.promotion_rewards.items())
            ],
        )


@strawberry.type
class ServiceEarnRule:
    @strawberry.field(description="The rule's global id (one rule per service and studio).")
    def id(self, info: Info[Any, Any]) -> strawberry.ID:
        return strawberry.ID(
            global_id("ServiceEarnRule", context_of(info).tenant, str(self.service_id))
        )

    service_id: strawberry.ID
    service_name: str
    excluded: bool
    fixed_points: int | None

    @classmethod
    def of(cls, rule: EarnRule) -> ServiceEarnRule:
        return cls(
            service_id=strawberry.ID(rule.service_id),
            service_name=rule.service_name,
            excluded=rule.excluded,
            fixed_points=rule.fixed_points,
        )


@strawberry.type
class LedgerEntry:
    id: strawberry.ID
    kind: LedgerKind
    points: int
    value: Money
    branch_id: strawberry.ID | None
    invoice_number: str | None
    source_type: str
    source_id: strawberry.ID | None
    source_name: str | None
    note: str | None
    actor_id: strawberry.ID | None
    at: datetime
    expires_at: datetime | None
    balance_after: int = strawberry.field(description="The balance right after this movement.")

    @classmethod
    def of(cls, e: Entry, currency: str) -> LedgerEntry:
        return cls(
            id=strawberry.ID(e.id),
            kind=LedgerKind(e.kind.value),
            points=e.points,
            value=Money(amount=e.value, currency=currency),
            branch_id=strawberry.ID(e.branch_id) if e.branch_id else None,
            invoice_number=e.invoice_number,
            source_type=e.source_type,
            source_id=strawberry.ID(e.source_id) if e.source_id else None,
            source_name=e.source_name,
            note=e.note,
            actor_id=strawberry.ID(e.actor_id) if e.actor_id else None,
            at=e.at,
            expires_at=e.expires_at,
            balance_after=e.balance_after,
        )


@strawberry.type
class LedgerEdge:
    cursor: str
    node: LedgerEntry


@strawberry.type
class LedgerConnection:
    edges: list[LedgerEdge]
    page_info: PageInfo


@strawberry.type(description="Points that expire together (B5: 'N points expire on D').")
class PointsExpiry:
    points: int
    expires_at: datetime


@strawberry.federation.type(keys=["id"])
class LoyaltyAccount:
    id: strawberry.ID
    account: strawberry.Private[Account]
    currency: strawberry.Private[str]
    balance: int
    balance_value: Money
    known: bool = strawberry.field(
        description="Whether the clients service announced this card to loyalty yet "
        "(the birthday and referral automations need what it says)."
    )
    # Sealed ledger pages whose entries `account` does not hold (read only for `ledger`).
    unread_pages: strawberry.Private[tuple[str, ...]] = ()

    @classmethod
    def of(
        cls,
        account: Account,
        program: Program,
        currency: str,
        *,
        known: bool = False,
        unread_pages: Sequence[str] = (),
    ) -> LoyaltyAccount:
        return cls(
            id=strawberry.ID(global_id("LoyaltyAccount", account.client_id)),
            account=account,
            currency=currency,
            balance=account.balance,
            balance_value=Money(amount=account.balance * program.point_value, currency=currency),
            known=known,
            unread_pages=tuple(unread_pages),
        )

    @strawberry.field(description="Points that expire within the given number of days.")
    def expiring_within(self, info: Info[Any, Any], days: int) -> int:
        if days < 0:
            raise BadInput("days must be zero or more", code="BAD_DAYS", params={"days": days})
        now = context_of(info).now()
        return self.account.expiring_within(now, now + timedelta(days=min(days, 36500)))

    @strawberry.field(
        description="The points still held, grouped by when they expire, soonest first."
    )
    def expiring_lots(self) -> list[PointsExpiry]:
        by_time: dict[datetime, int] = {}
        for lot in self.account.lots:
            if lot.expires_at is not None and lot.points > 0:
                by_time[lot.expires_at] = by_time.get(lot.expires_at, 0) + lot.points
        return [PointsExpiry(points=p, expires_at=t) for t, p in sorted(by_time.items())]

    @strawberry.field(description="Ledger entries, newest first; `from` inclusive, `to` exclusive.")
    async def ledger(
        self,
        info: Info[Any, Any],
        first: int | None = 20,
        after: str | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> LedgerConnection | None:
        # Also reached from a mutation's payload (`redeemPoints { account { ledger } }`):
        # the history needs the right to read the client, not only to change the balance.
        if not may_read_client(info, self.account.client_id):
            raise Forbidden("a client sees only their own points")
        from_, to = bounds.aware_or_none(from_, "from"), bounds.aware_or_none(to, "to")
        ctx = context_of(info)
        ledger = await views.ledger(request_stores(ctx), self.unread_pages, self.account.entries)
        entries = sorted(ledger, key=lambda e: (e.at, e.id), reverse=True)
        entries = [
            e for e in entries if (from_ is None or e.at >= from_) and (to is None or e.at < to)
        ]
        ids = [e.id for e in entries]

        def index_of(cursor: str | None, default: int) -> int:
            entry_id = decode_cursor(cursor)
            if entry_id is None:
                return default
            if entry_id not in ids:
                raise BadInput("the cursor is not one this API returned", code="BAD_CURSOR")
            return ids.index(entry_id)

        # Forward: `first` after `after`. Backward: the `last` just before `before` (the
        # oldest without it).
        start = index_of(after, -1) + 1
        end = index_of(before, len(entries))
        low, high = window(len(entries), start, end, first, last, default=20)
        edges = [
            LedgerEdge(cursor=encode_cursor(e.id), node=LedgerEntry.of(e, self.currency))
            for e in entries[low:high]
        ]
        cursors = [e.cursor for e in edges]
        return LedgerConnection(
            edges=edges,
            page_info=page_info(cursors, low, high, len(entries), after, last is not None),
        )


@strawberry.type
class PointsAutomation:
    id: strawberry.ID
    trigger: AutomationTrigger
    points: int
    expiry_days: int
    visit_count: int | None
    active: bool

    @classmethod
    def of(cls, doc: dict[str, Any]) -> PointsAutomation:
        return cls(
            id=strawberry.ID(str(doc["id"])),
            trigger=AutomationTrigger(doc["trigger"]),
            points=int(doc["points"]),
            expiry_days=int(doc["expiry_days"]),
            visit_count=doc.get("visit_count"),
            active=bool(doc.get("active", True)),
        )


@strawberry.input
class LoyaltyProgramInput:
    enabled: bool | None = None
    point_value: Decimal | None = None
    earn_percent: Decimal | None = None
    expiry_days: int | None = None
    non_earning_payment_methods: list[PaymentMethod] | None = None
    receipt_branch_ids: list[strawberry.ID] | None = None
    expiry_reminder_days: int | None = strawberry.field(
        default=None, description="B5: days before an expiry the client is told (0: never)."
    )


@strawberry.input
class PointsAutomationInput:
    trigger: AutomationTrigger
    points: int
    expiry_days: int
    visit_count: int | None = None
    active: bool | None = None


@strawberry.type
class LoyaltyProgramPayload:
    program: LoyaltyProgram | None
    user_errors: list[UserError]


@strawberry.type
class ServiceEarnRulePayload:
    rule: ServiceEarnRule | None
    user_errors: list[UserError]


@strawberry.type
class PointsAutomationPayload:
    automation: PointsAutomation | None
    user_errors: list[UserError]
