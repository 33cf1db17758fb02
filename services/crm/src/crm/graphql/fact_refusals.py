"""A partner fact refused by its event model, as the caller's `userErrors`: the path of
the argument the caller sent (`input.lines.0.quantity`, not the model's
`lines.0.quantity`), a code per kind of count, and a sentence rather than the validation
library's text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plumbing import bounds
from plumbing.gql import UserError, user_error
from pydantic import ValidationError

from crm.service_layer.ingest import camel

# The model's name of a count -> the code that refuses it out of range.
COUNT_CODES = {
    "quantity": "BAD_QUANTITY",
    "tolerance_days": "BAD_DAYS",
    "capacity": "BAD_CAPACITY",
}
_LIMITS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "more than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}


def refusals(
    exc: ValidationError, *, under: str | None = None, renames: Mapping[str, str] | None = None
) -> list[UserError]:
    """`under` is the argument holding the fact (`input`), None when the fact's fields are
    the mutation's own arguments; `renames` maps a model's field to the argument's name
    where they differ (`membership_id` -> `id`)."""
    return [_refusal(err, under, renames or {}) for err in exc.errors()]


def _refusal(err: Mapping[str, Any], under: str | None, renames: Mapping[str, str]) -> UserError:
    loc = [p for p in err.get("loc", ())]
    path = [camel(renames.get(p, p)) if isinstance(p, str) else str(p) for p in loc]
    shown = ".".join(path) or "input"
    field = [under, *path] if under else path
    last = next((p for p in reversed(loc) if isinstance(p, str)), None)
    limit = _LIMITS.get(str(err.get("type")))
    if limit is not None:
        key, words = limit
        bound = (err.get("ctx") or {}).get(key)
        code = COUNT_CODES.get(last or "", "INVALID")
        named = {"minimum" if key in ("ge", "gt") else "maximum": bound}
        return user_error(f"{shown} must be {words} {bound}", code, *field, **named)
    code = bounds.code_of(err) or "INVALID"
    return user_error(f"{shown}: {err['msg']}", code, *field)
