"""Enrolling, confirming and switching off the second factor (TOTP) in the graph: the
signed-in OWNER or ADMIN for themselves (docs/identity.md, "Second factor")."""

from __future__ import annotations

from typing import Any

import strawberry
from plumbing.auth import MANAGERS, STAFF
from plumbing.gql import UserError, context_of, require, user_error
from strawberry.types import Info

from identity.domain.people import IdentityRefused
from identity.service_layer import second_factor
from identity.service_layer.ports import Identity

_CODES = {"FORBIDDEN": "ROLE_NOT_ALLOWED"}


def _identity(info: Info[Any, Any]) -> Identity:
    identity: Identity = context_of(info).request.app.state.runtime.extras["identity"]
    return identity


def _refused(exc: IdentityRefused, field: str) -> list[UserError]:
    return [user_error(str(exc), _CODES.get(exc.code, exc.code), field, **exc.params)]


@strawberry.type(description="The answer of `startSecondFactorEnrolment`.")
class SecondFactorEnrolmentPayload:
    secret: str | None = strawberry.field(
        description="Base32, for typing into an authenticator app; shown once."
    )
    otpauth_uri: str | None = strawberry.field(description="The same secret as a QR code's text.")
    user_errors: list[UserError]


@strawberry.type(description="The answer of `confirmSecondFactor`.")
class ConfirmSecondFactorPayload:
    enabled: bool
    recovery_codes: list[str] = strawberry.field(
        description="Ten codes, each good once instead of the app's code; shown once."
    )
    user_errors: list[UserError]


@strawberry.type(description="The answer of `disableSecondFactor`.")
class DisableSecondFactorPayload:
    disabled: bool
    user_errors: list[UserError]


@strawberry.type
class SecondFactorMutations:
    @strawberry.mutation(
        description="Start enrolling a second factor (OWNER and ADMIN): a new TOTP secret, "
        "on only once `confirmSecondFactor` gets a right code of it."
    )
    async def start_second_factor_enrolment(
        self, info: Info[Any, Any]
    ) -> SecondFactorEnrolmentPayload | None:
        ctx = require(info, *MANAGERS)
        try:
            enrolment = await second_factor.start(
                _identity(info),
                person=ctx.principal.subject,
                studio=ctx.tenant,
                now=ctx.clock.now(),
            )
        except IdentityRefused as exc:
            return SecondFactorEnrolmentPayload(
                secret=None, otpauth_uri=None, user_errors=_refused(exc, "person")
            )
        return SecondFactorEnrolmentPayload(
            secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri, user_errors=[]
        )

    @strawberry.mutation(
        description="Turn the second factor on with a code of the secret being enrolled; "
        "every later sign-in asks for a code."
    )
    async def confirm_second_factor(
        self, info: Info[Any, Any], code: str
    ) -> ConfirmSecondFactorPayload | None:
        ctx = require(info, *MANAGERS)
        try:
            codes = await second_factor.confirm(
                _identity(info),
                person=ctx.principal.subject,
                studio=ctx.tenant,
                code=code[:64],
                now=ctx.clock.now(),
            )
        except IdentityRefused as exc:
            return ConfirmSecondFactorPayload(
                enabled=False, recovery_codes=[], user_errors=_refused(exc, "code")
            )
        return ConfirmSecondFactorPayload(enabled=True, recovery_codes=codes, user_errors=[])

    @strawberry.mutation(
        description="Switch your second factor off, with a current code or a recovery code."
    )
    async def disable_second_factor(
        self, info: Info[Any, Any], code: str
    ) -> DisableSecondFactorPayload | None:
        ctx = require(info, *STAFF)
        try:
            await second_factor.disable(
                _identity(info),
                person=ctx.principal.subject,
                studio=ctx.tenant,
                code=code[:64],
                now=ctx.clock.now(),
            )
        except IdentityRefused as exc:
            return DisableSecondFactorPayload(disabled=False, user_errors=_refused(exc, "code"))
        return DisableSecondFactorPayload(disabled=True, user_errors=[])
