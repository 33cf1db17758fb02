"""The loyalty mutations: each checks its input, calls one use case and maps the
result to its payload."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from plumbing import bounds
from plumbing.auth import MANAGERS, STAFF, Role
from plumbing.enums import SalesChannel
from plumbing.errors import Forbidden
from plumbing.gql import (
    UserError,
    context_of,
    require,
    require_scope,
    user_error,
)
from plumbing.mongo import Doc
from plumbing.repeats import REPEAT_KEY
from strawberry.types import Info

from loyalty.adapters.tenant_storage import request_stores
from loyalty.domain.earning import EarnRule, Program
from loyalty.domain.ledger import LoyaltyError
from loyalty.graphql.accounts import LedgerPayload
from loyalty.graphql.automations import AutomationMutations
from loyalty.graphql.checks import MAX_POINTS, check_days, check_points
from loyalty.graphql.ledger_payloads import (
    failed,
    field_of,
    ledger_payload,
    once_by_hand,
    record_of,
)
from loyalty.graphql.types import (
    LoyaltyProgram,
    LoyaltyProgramInput,
    LoyaltyProgramPayload,
    ServiceEarnRule,
    ServiceEarnRulePayload,
)
from loyalty.service_layer import points as use_cases
from loyalty.service_layer import promotions, views
from loyalty.service_layer.validation import program_problems

# The partner scope that allows `redeemPoints` (a point-of-sale system paying with points).
REDEEM = "loyalty:redeem"


def _errors(exc: LoyaltyError, *path: str) -> list[UserError]:
    return [user_error(exc.message, exc.code, *path, **exc.params)]


def _check_text(value: str, field: str, *, limit: int = 500) -> UserError | None:
    if not value.strip():
        return user_error(f"{field} is required", "REQUIRED", field, field=field)
    if len(value) > limit:
        return user_error(
            f"{field} is longer than {limit} characters",
            "TOO_LONG",
            field,
            field=field,
            maximum=limit,
        )
    return None


@strawberry.type
class Mutation(AutomationMutations):
    @strawberry.mutation(
        description="L1: change the program. Applies to purchases recorded from now on only."
    )
    async def configure_loyalty_program(
        self, info: Info[Any, Any], input: LoyaltyProgramInput
    ) -> LoyaltyProgramPayload | None:
        ctx = require(info, *MANAGERS)
        problems = program_problems(input, await views.studio_branch_ids(request_stores(ctx)))
        if problems:
            return LoyaltyProgramPayload(program=None, user_errors=problems)
        first_time = not await views.configured(request_stores(ctx))

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

        program = await use_cases.update_program(request_stores(ctx), ctx.now(), edit)
        currency = await views.studio_currency(request_stores(ctx))
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
    ) -> ServiceEarnRulePayload | None:
        ctx = require(info, *MANAGERS)
        problems = []
        if not str(service_id).strip():
            problems.append(
                user_error("serviceId is required", "REQUIRED", "serviceId", field="serviceId")
            )
        if not service_name.strip() or len(service_name) > 200:
            problems.append(
                user_error(
                    "serviceName is required (at most 200 characters)",
                    "REQUIRED",
                    "serviceName",
                    field="serviceName",
                )
            )
        if fixed_points is not None and not 0 <= fixed_points <= MAX_POINTS:
            problems.append(
                user_error(
                    f"fixedPoints must be between 0 and {MAX_POINTS}",
                    "BAD_POINTS",
                    "fixedPoints",
                    minimum=0,
                    maximum=MAX_POINTS,
                )
            )
        if problems:
            return ServiceEarnRulePayload(rule=None, user_errors=problems)
        rule = EarnRule(
            str(service_id), service_name.strip(), excluded, None if excluded else fixed_points
        )

        def edit(current: Program) -> Program:
            rules = dict(current.rules)
            rules[rule.service_id] = rule
            return replace(current, rules=rules)

        await use_cases.update_program(request_stores(ctx), ctx.now(), edit)
        return ServiceEarnRulePayload(rule=ServiceEarnRule.of(rule), user_errors=[])

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
    ) -> LoyaltyProgramPayload | None:
        ctx = require(info, *MANAGERS)
        problems = [
            p
            for p in (
                _check_text(str(rank_id), "rankId", limit=100),
                check_days(expiry_days, "expiryDays"),
            )
            if p
        ]
        if not 0 <= points <= MAX_POINTS:
            problems.append(
                user_error(
                    f"points must be between 0 and {MAX_POINTS}",
                    "BAD_POINTS",
                    "points",
                    minimum=0,
                    maximum=MAX_POINTS,
                )
            )
        if problems:
            return LoyaltyProgramPayload(program=None, user_errors=problems)
        program = await promotions.set_reward(
            request_stores(ctx),
            ctx.now(),
            rank_id=str(rank_id).strip(),
            points=points,
            expiry_days=expiry_days,
        )
        currency = await views.studio_currency(request_stores(ctx))
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
        idempotency_key: Annotated[str | None, REPEAT_KEY] = None,
    ) -> LedgerPayload | None:
        ctx = require(info, *STAFF)
        problems = [
            p
            for p in (
                _check_text(str(client_id), "clientId", limit=100),
                check_points(points, "points"),
                _check_text(note, "note"),
                check_days(expiry_days, "expiryDays"),
            )
            if p
        ]
        if problems:
            return failed(*problems)

        async def run() -> tuple[LedgerPayload, Doc | None]:
            try:
                outcome = await use_cases.grant(
                    request_stores(ctx),
                    client_id=str(client_id),
                    points=points,
                    note=note.strip(),
                    expiry_days=expiry_days,
                    actor_id=ctx.principal.subject,
                    now=ctx.now(),
                )
            except LoyaltyError as exc:
                return failed(*_errors(exc, field_of(exc))), None
            return await ledger_payload(ctx, outcome, str(client_id)), record_of(outcome)

        return await once_by_hand(ctx, idempotency_key, "grantPoints", str(client_id), run)

    @strawberry.mutation(description="L6: take points by hand; never below zero.")
    async def deduct_points(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        points: int,
        note: str,
        idempotency_key: Annotated[str | None, REPEAT_KEY] = None,
    ) -> LedgerPayload | None:
        ctx = require(info, *STAFF)
        problems = [p for p in (check_points(points, "points"), _check_text(note, "note")) if p]
        if problems:
            return failed(*problems)

        async def run() -> tuple[LedgerPayload, Doc | None]:
            try:
                outcome = await use_cases.deduct(
                    request_stores(ctx),
                    client_id=str(client_id),
                    points=points,
                    note=note.strip(),
                    actor_id=ctx.principal.subject,
                    now=ctx.now(),
                )
            except LoyaltyError as exc:
                return failed(*_errors(exc, field_of(exc))), None
            return await ledger_payload(ctx, outcome, str(client_id)), record_of(outcome)

        return await once_by_hand(ctx, idempotency_key, "deductPoints", str(client_id), run)

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
    ) -> LedgerPayload | None:
        ctx = context_of(info)
        principal = ctx.principal
        if not principal.has(*STAFF, Role.PARTNER):
            if not principal.has(Role.CLIENT) or principal.client_id != str(client_id):
                raise Forbidden("a client redeems only their own points")
            if channel is not SalesChannel.APP:
                raise Forbidden("a client redeems points in the app")
        elif not principal.is_staff:
            require_scope(info, REDEEM)  # a partner's key must allow redemption
        problems = [
            p
            for p in (
                _check_text(str(client_id), "clientId", limit=100),
                _check_text(invoice_number, "invoiceNumber", limit=100),
            )
            if p
        ]
        problem = bounds.amount_problem(amount, positive=True)
        if problem is not None:
            problems.append(user_error(f"amount: {problem}", bounds.BAD_AMOUNT, "amount"))
        if problems:
            return failed(*problems)
        try:
            outcome = await use_cases.redeem(
                request_stores(ctx),
                client_id=str(client_id),
                invoice=invoice_number.strip(),
                amount=amount,
                channel=channel.value,
                branch_id=str(branch_id) if branch_id else None,
                now=ctx.now(),
            )
        except LoyaltyError as exc:
            field = {"CLIENT_NOT_FOUND": "clientId", "ALREADY_REDEEMED": "invoiceNumber"}
            return failed(*_errors(exc, field.get(exc.code, "amount")))
        return await ledger_payload(ctx, outcome, str(client_id))
