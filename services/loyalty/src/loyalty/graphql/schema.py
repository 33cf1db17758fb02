"""The loyalty subgraph: program settings, the points account on the client card, and the
staff operations on it. Thin: input -> use case -> payload."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from plumbing.auth import MANAGERS, STAFF, Role
from plumbing.enums import SalesChannel
from plumbing.errors import BadInput, Forbidden
from plumbing.gql import (
    Money,
    PageInfo,
    RequestContext,
    UserError,
    context_of,
    decode_cursor,
    encode_cursor,
    page_size,
    require,
    schema_extensions,
    user_error,
)
from plumbing.ids import new_id
from plumbing.studio import studio_settings
from strawberry.types import Info

from loyalty.adapters.store import Accounts, Automations, Programs
from loyalty.domain.earning import EarnRule, Program
from loyalty.domain.ledger import Kind, LoyaltyError
from loyalty.events import catalog
from loyalty.graphql.types import (
    AutomationTrigger,
    LedgerEntry,
    LedgerPayload,
    LoyaltyAccount,
    LoyaltyProgram,
    LoyaltyProgramInput,
    LoyaltyProgramPayload,
    PointsAutomation,
    PointsAutomationInput,
    PointsAutomationPayload,
    ServiceEarnRule,
)
from loyalty.service_layer import points as use_cases
from loyalty.service_layer import promotions
from loyalty.service_layer.validation import program_problems

MAX_POINTS = 10_000_000
MAX_DAYS = 3650


@strawberry.federation.type(keys=["id"])
class Client:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Client:
        return cls(id=id)

    @strawberry.field(description="The client's points: balance, ledger, what expires when.")
    async def loyalty(self, info: Info[Any, Any]) -> LoyaltyAccount:
        ctx = context_of(info)
        client_id = str(self.id)
        principal = ctx.principal
        if not principal.has(*STAFF, Role.PARTNER) and principal.client_id != client_id:
            raise Forbidden("a client sees only their own points")
        return await account_view(ctx, client_id)


async def account_view(ctx: RequestContext, client_id: str) -> LoyaltyAccount:
    # The card needs the balance and the lots; the older ledger pages are read only if
    # the query asks for the ledger.
    loaded = await Accounts(ctx.db, ctx.tenant, catalog).load(client_id, history=False)
    program = await Programs(ctx.db, ctx.tenant).shown()
    currency = (await studio_settings(ctx.db, ctx.tenant)).currency
    return LoyaltyAccount.of(
        loaded.account,
        program,
        currency,
        known=bool(loaded.profile.get("known")),
        unread_pages=loaded.pages,
    )


@strawberry.type
class PointsEarnedRow:
    client: Client
    points: int
    value: Money


@strawberry.type
class PointsEarnedEdge:
    cursor: str
    node: PointsEarnedRow


@strawberry.type
class PointsEarnedConnection:
    edges: list[PointsEarnedEdge]
    page_info: PageInfo
    total_points: int


def _errors(exc: LoyaltyError, *path: str) -> list[UserError]:
    return [user_error(exc.message, exc.code, *path)]


async def ledger_payload(
    ctx: RequestContext, outcome: use_cases.Outcome, client_id: str
) -> LedgerPayload:
    currency = (await studio_settings(ctx.db, ctx.tenant)).currency
    program = await Programs(ctx.db, ctx.tenant).current()
    return LedgerPayload(
        entries=[LedgerEntry.of(e, currency) for e in outcome.entries],
        account=LoyaltyAccount.of(
            outcome.loaded.account,
            program,
            currency,
            known=bool(outcome.loaded.profile.get("known")),
        ),
        user_errors=[],
    )


def _failed(*errors: UserError) -> LedgerPayload:
    return LedgerPayload(entries=[], account=None, user_errors=list(errors))


@strawberry.type
class Query:
    @strawberry.field(description="L1: the studio's points program (defaults until configured).")
    async def loyalty_program(self, info: Info[Any, Any]) -> LoyaltyProgram:
        ctx = context_of(info)
        program = await Programs(ctx.db, ctx.tenant).shown()
        currency = (await studio_settings(ctx.db, ctx.tenant)).currency
        return LoyaltyProgram.of(program, currency)

    @strawberry.field(description="L2: per-service points (fixed or excluded).")
    async def service_earn_rules(self, info: Info[Any, Any]) -> list[ServiceEarnRule]:
        ctx = require(info, *STAFF)
        program = await Programs(ctx.db, ctx.tenant).shown()
        rules = sorted(program.rules.values(), key=lambda r: (r.service_name, r.service_id))
        return [ServiceEarnRule.of(r) for r in rules]

    @strawberry.field(description="L7: the automations that grant points on events.")
    async def points_automations(self, info: Info[Any, Any]) -> list[PointsAutomation]:
        ctx = require(info, *STAFF)
        return [PointsAutomation.of(d) for d in await Automations(ctx.db, ctx.tenant).all()]

    @strawberry.field(
        description="L9: points earned (EARN entries) per client with `from` <= time < `to`, "
        "optionally at one branch; most points first. `totalPoints` covers every row."
    )
    async def points_earned_report(
        self,
        info: Info[Any, Any],
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        branch_id: strawberry.ID | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> PointsEarnedConnection:
        return await _points_earned_report(info, from_, to, branch_id, first, after)


async def _points_earned_report(
    info: Info[Any, Any],
    from_: datetime,
    to: datetime,
    branch_id: strawberry.ID | None = None,
    first: int | None = 50,
    after: str | None = None,
) -> PointsEarnedConnection:
    ctx = require(info, *STAFF)
    if to <= from_:
        raise BadInput("`to` must be after `from`", code="BAD_RANGE")
    size = page_size(first, default=50)
    currency = (await studio_settings(ctx.db, ctx.tenant)).currency
    rows: list[tuple[int, Decimal, str]] = []
    total = 0
    for one in await Accounts(ctx.db, ctx.tenant, catalog).every():
        earned = [
            e
            for e in one.account.entries
            if e.kind is Kind.EARN
            and from_ <= e.at < to
            and (branch_id is None or e.branch_id == str(branch_id))
        ]
        if not earned:
            continue
        pts = sum(e.points for e in earned)
        total += pts
        # Erased clients have no card to show.
        if one.erased:
            continue
        rows.append((pts, sum((e.value for e in earned), Decimal(0)), one.account.client_id))
    rows.sort(key=lambda r: (-r[0], r[2]))
    start = 0
    raw = decode_cursor(after)
    if raw is not None:
        if not raw.isdigit():
            raise BadInput("the cursor is not one this API returned", code="BAD_CURSOR")
        start = int(raw) + 1
    page = rows[start : start + size]
    edges = [
        PointsEarnedEdge(
            cursor=encode_cursor(str(start + i)),
            node=PointsEarnedRow(
                client=Client(id=strawberry.ID(cid)),
                points=pts,
                value=Money(amount=value, currency=currency),
            ),
        )
        for i, (pts, value, cid) in enumerate(page)
    ]
    return PointsEarnedConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=start + size < len(rows),
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_points=total,
    )


def _check_points(value: int, field: str) -> UserError | None:
    if value <= 0 or value > MAX_POINTS:
        return user_error(f"points must be between 1 and {MAX_POINTS}", "BAD_POINTS", field)
    return None


def _check_days(value: int | None, field: str) -> UserError | None:
    if value is not None and not 1 <= value <= MAX_DAYS:
        return user_error(
            f"{field} must be between 1 and {MAX_DAYS} days", "BAD_EXPIRY_DAYS", field
        )
    return None


def _check_text(value: str, field: str, *, limit: int = 500) -> UserError | None:
    if not value.strip():
        return user_error(f"{field} is required", "REQUIRED", field)
    if len(value) > limit:
        return user_error(f"{field} is longer than {limit} characters", "TOO_LONG", field)
    return None


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="L1: change the program. Applies to purchases recorded from now on only."
    )
    async def configure_loyalty_program(
        self, info: Info[Any, Any], input: LoyaltyProgramInput
    ) -> LoyaltyProgramPayload:
        ctx = require(info, *MANAGERS)
        problems = program_problems(input)
        if problems:
            return LoyaltyProgramPayload(program=None, user_errors=problems)
        _, versions = await Programs(ctx.db, ctx.tenant).versions()
        first_time = not versions

        def edit(current: Program) -> Program:
            return replace(
                current,
                # Configuring a program for the first time switches it on unless told not to.
                enabled=input.enabled
                if input.enabled is not None
                else (first_time or current.enabled),
                point_value=input.point_value
                if input.point_value is not None
                else current.point_value,
                earn_percent=input.earn_percent
                if input.earn_percent is not None
                else current.earn_percent,
                expiry_days=input.expiry_days
                if input.expiry_days is not None
                else current.expiry_days,
                non_earning_methods=frozenset(m.value for m in input.non_earning_payment_methods)
                if input.non_earning_payment_methods is not None
                else current.non_earning_methods,
                receipt_branch_ids=tuple(dict.fromkeys(str(b) for b in input.receipt_branch_ids))
                if input.receipt_branch_ids is not None
                else current.receipt_branch_ids,
                expiry_reminder_days=input.expiry_reminder_days
                if input.expiry_reminder_days is not None
                else current.expiry_reminder_days,
            )

        program = await use_cases.update_program(ctx.db, ctx.tenant, ctx.now(), edit)
        currency = (await studio_settings(ctx.db, ctx.tenant)).currency
        return LoyaltyProgramPayload(program=LoyaltyProgram.of(program, currency), user_errors=[])

    @strawberry.mutation(
        description="L2: a service earns a fixed number of points per unit, or none (excluded). "
        "`excluded: false` without `fixedPoints` returns it to the percentage rule."
    )
    async def set_service_earn_rule(
        self,
        info: Info[Any, Any],
        service_id: strawberry.ID,
        service_name: str,
        excluded: bool,
        fixed_points: int | None = None,
    ) -> ServiceEarnRule:
        ctx = require(info, *MANAGERS)
        if not str(service_id).strip():
            raise BadInput("serviceId is required", code="REQUIRED")
        if not service_name.strip() or len(service_name) > 200:
            raise BadInput("serviceName is required (at most 200 characters)", code="REQUIRED")
        if fixed_points is not None and not 0 <= fixed_points <= MAX_POINTS:
            raise BadInput(f"fixedPoints must be between 0 and {MAX_POINTS}", code="BAD_POINTS")
        rule = EarnRule(
            str(service_id), service_name.strip(), excluded, None if excluded else fixed_points
        )

        def edit(current: Program) -> Program:
            rules = dict(current.rules)
            rules[rule.service_id] = rule
            return replace(current, rules=rules)

        await use_cases.update_program(ctx.db, ctx.tenant, ctx.now(), edit)
        return ServiceEarnRule.of(rule)

    @strawberry.mutation(
        description="B4: points a client gets, once, when promoted to the rank (`points: 0` "
        "removes the reward); they last `expiryDays`, by default the program's `expiryDays`. "
        "Applies to promotions from now on only."
    )
    async def set_promotion_reward(
        self,
        info: Info[Any, Any],
        rank_id: strawberry.ID,
        points: int,
        expiry_days: int | None = None,
    ) -> LoyaltyProgramPayload:
        ctx = require(info, *MANAGERS)
        problems = [
            p
            for p in (
                _check_text(str(rank_id), "rankId", limit=100),
                _check_days(expiry_days, "expiryDays"),
            )
            if p
        ]
        if not 0 <= points <= MAX_POINTS:
            problems.append(
                user_error(f"points must be between 0 and {MAX_POINTS}", "BAD_POINTS", "points")
            )
        if problems:
            return LoyaltyProgramPayload(program=None, user_errors=problems)
        program = await promotions.set_reward(
            ctx.db,
            ctx.tenant,
            ctx.now(),
            rank_id=str(rank_id).strip(),
            points=points,
            expiry_days=expiry_days,
        )
        currency = (await studio_settings(ctx.db, ctx.tenant)).currency
        return LoyaltyProgramPayload(program=LoyaltyProgram.of(program, currency), user_errors=[])

    @strawberry.mutation(
        description="L6: give points by hand (e.g. a birthday gift); expiry defaults to the program's."
    )
    async def grant_points(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        points: int,
        note: str,
        expiry_days: int | None = None,
    ) -> LedgerPayload:
        ctx = require(info, *STAFF)
        problems = [
            p
            for p in (
                _check_text(str(client_id), "clientId", limit=100),
                _check_points(points, "points"),
                _check_text(note, "note"),
                _check_days(expiry_days, "expiryDays"),
            )
            if p
        ]
        if problems:
            return _failed(*problems)
        try:
            outcome = await use_cases.grant(
                ctx.db,
                ctx.tenant,
                client_id=str(client_id),
                points=points,
                note=note.strip(),
                expiry_days=expiry_days,
                actor_id=ctx.principal.subject,
                now=ctx.now(),
            )
        except LoyaltyError as exc:
            return _failed(
                *_errors(exc, "clientId" if exc.code == "CLIENT_NOT_FOUND" else "points")
            )
        return await ledger_payload(ctx, outcome, str(client_id))

    @strawberry.mutation(description="L6: take points by hand; never below zero.")
    async def deduct_points(
        self, info: Info[Any, Any], client_id: strawberry.ID, points: int, note: str
    ) -> LedgerPayload:
        ctx = require(info, *STAFF)
        problems = [p for p in (_check_points(points, "points"), _check_text(note, "note")) if p]
        if problems:
            return _failed(*problems)
        try:
            outcome = await use_cases.deduct(
                ctx.db,
                ctx.tenant,
                client_id=str(client_id),
                points=points,
                note=note.strip(),
                actor_id=ctx.principal.subject,
                now=ctx.now(),
            )
        except LoyaltyError as exc:
            return _failed(
                *_errors(exc, "clientId" if exc.code == "CLIENT_NOT_FOUND" else "points")
            )
        return await ledger_payload(ctx, outcome, str(client_id))

    @strawberry.mutation(
        description="L3: pay (part of) an invoice with points. IN_STUDIO takes what the balance "
        "covers, up to `amount`; APP needs the balance to cover all of `amount`, or nothing is "
        "deducted. The same invoice again has no second effect."
    )
    async def redeem_points(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        invoice_number: str,
        amount: Decimal,
        channel: SalesChannel,
        branch_id: strawberry.ID | None = None,
    ) -> LedgerPayload:
        ctx = context_of(info)
        principal = ctx.principal
        if not principal.has(*STAFF, Role.PARTNER):
            if not principal.has(Role.CLIENT) or principal.client_id != str(client_id):
                raise Forbidden("a client redeems only their own points")
            if channel is not SalesChannel.APP:
                raise Forbidden("a client redeems points in the app")
        problems = [
            p
            for p in (
                _check_text(str(client_id), "clientId", limit=100),
                _check_text(invoice_number, "invoiceNumber", limit=100),
            )
            if p
        ]
        if not amount.is_finite() or amount <= 0:
            problems.append(user_error("amount must be positive", "BAD_AMOUNT", "amount"))
        if problems:
            return _failed(*problems)
        try:
            outcome = await use_cases.redeem(
                ctx.db,
                ctx.tenant,
                client_id=str(client_id),
                invoice=invoice_number.strip(),
                amount=amount,
                channel=channel.value,
                branch_id=str(branch_id) if branch_id else None,
                now=ctx.now(),
            )
        except LoyaltyError as exc:
            field = {"CLIENT_NOT_FOUND": "clientId", "ALREADY_REDEEMED": "invoiceNumber"}
            return _failed(*_errors(exc, field.get(exc.code, "amount")))
        return await ledger_payload(ctx, outcome, str(client_id))

    @strawberry.mutation(description="L7: grant points on birthdays, referrals or every N visits.")
    async def create_points_automation(
        self, info: Info[Any, Any], input: PointsAutomationInput
    ) -> PointsAutomationPayload:
        ctx = require(info, *MANAGERS)
        problems = [
            p
            for p in (
                _check_points(input.points, "points"),
                _check_days(input.expiry_days, "expiryDays"),
            )
            if p
        ]
        if input.trigger is AutomationTrigger.VISIT_COUNT and (
            input.visit_count is None or not 1 <= input.visit_count <= 10_000
        ):
            problems.append(
                user_error(
                    "visitCount (1..10000) is required for VISIT_COUNT", "REQUIRED", "visitCount"
                )
            )
        if problems:
            return PointsAutomationPayload(
                automation=None, user_errors=[_at_input(p) for p in problems]
            )
        auto_id = new_id()
        doc = await Automations(ctx.db, ctx.tenant).add(
            {
                "id": auto_id,
                "trigger": input.trigger.value,
                "points": input.points,
                "expiry_days": input.expiry_days,
                "visit_count": input.visit_count
                if input.trigger is AutomationTrigger.VISIT_COUNT
                else None,
                "active": True if input.active is None else input.active,
                "created_at": ctx.now(),
                "created_by": ctx.principal.subject,
            }
        )
        return PointsAutomationPayload(automation=PointsAutomation.of(doc), user_errors=[])


def _at_input(error: UserError) -> UserError:
    return UserError(field=["input", *(error.field or [])], message=error.message, code=error.code)


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    types=[Client],
    extensions=schema_extensions(),
    federation_version="2.9",
)
