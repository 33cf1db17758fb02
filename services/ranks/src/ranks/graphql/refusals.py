"""Refusals as `userErrors`: in the request's language, with the studio's chosen word,
pointing at the input field concerned."""

from __future__ import annotations

from plumbing.gql import RequestContext, UserError, user_error
from plumbing.i18n import current_language, speaking

from ranks.domain import categories
from ranks.domain.program import Program
from ranks.domain.words import catalog, message
from ranks.graphql.reads import store_of
from ranks.graphql.types import ClientRankPayload
from ranks.service_layer.programs import current_program

# Which input field a refusal points at.
FIELDS: dict[str, tuple[str, ...]] = {
    "BAD_NAME": ("input", "name"),
    "DUPLICATE_RANK": ("input", "name"),
    "DUPLICATE_CATEGORY": ("input", "name"),
    "BAD_ROLE": ("input", "notifyRoles"),
    "BAD_POSITION": ("position",),
    "BAD_NOTE": ("note",),
    "UNKNOWN_CATEGORY": ("categoryId",),
    "UNKNOWN_RANK": ("rankId",),
    "UNKNOWN_CLIENT": ("clientId",),
    "UNKNOWN_SKILL": ("skill",),
    "BAD_SKILLS": ("input", "criteria", "skills"),
    "BAD_STRIPES": ("input", "stripes"),
    "STRIPES_HELD": ("input", "stripes"),
    "SINCE_NOT_ALLOWED": ("since",),
    "FUTURE_TIME": ("since",),
    "NAIVE_TIME": ("since",),
}


async def refusal(
    ctx: RequestContext, exc: categories.RankRefused, program: Program | None = None
) -> list[UserError]:
    program = program or await current_program(store_of(ctx).programs)
    # The call site's English sentence; in the request's language the catalog's, with
    # the studio's chosen word filled in.
    text = message(exc.code, program.terminology, "en", **exc.args_)
    path = FIELDS.get(exc.code, ())
    if exc.code == "BAD_CRITERION":
        path = ("input", "criteria", str(exc.args_.get("field", "")))
    stripe = exc.args_.get("stripe")
    if isinstance(stripe, int) and path[:2] == ("input", "criteria"):
        # A stripe's criteria: point at it (0-based, like the input list).
        path = ("input", "stripes", str(stripe - 1), *path[1:])
    with speaking(current_language(), catalog(program.terminology)):
        return [user_error(text, exc.code, *path, **exc.args_)]


async def manual_refused(
    ctx: RequestContext, exc: categories.RankRefused, program: Program
) -> ClientRankPayload:
    return ClientRankPayload(
        client_rank=None, change=None, user_errors=await refusal(ctx, exc, program)
    )
