"""Rules of the points automations (L7), plain data: which automations are of the same
kind, which one grants when a studio has several, and what an edit may change.

Two automations of the same kind would give the same gift twice (two BIRTHDAY
automations: two birthday presents). So a studio has at most one automation in force per
kind: a second one is refused (`DUPLICATE_AUTOMATION`), when created active, resumed or
edited into the kind of another. A kind is the trigger, and for VISIT_COUNT the number of
visits too: "every 10 visits" and "every 50 visits" are two rules a studio may want.
Studios that have two of a kind from before this rule keep them, and the oldest grants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

Automation = Mapping[str, Any]  # {id, trigger, points, expiry_days, visit_count, active, …}
A = TypeVar("A", bound=Automation)

TRIGGERS = ("BIRTHDAY", "REFERRAL_FIRST_PURCHASE", "VISIT_COUNT")


def kind_of(automation: Automation) -> tuple[str, int | None]:
    trigger = str(automation["trigger"])
    every = automation.get("visit_count") if trigger == "VISIT_COUNT" else None
    return trigger, None if every is None else int(every)


def active(automation: Automation) -> bool:
    return bool(automation.get("active", True))


def same_kind_in_force(items: Sequence[Automation], candidate: Automation) -> Automation | None:
    """Another automation in force of the candidate's kind (the one it would double)."""
    if not active(candidate):
        return None
    kind = kind_of(candidate)
    return next(
        (a for a in items if a["id"] != candidate["id"] and active(a) and kind_of(a) == kind),
        None,
    )


def in_force(items: Sequence[A], trigger: str) -> list[A]:
    """The automations of a trigger that grant: active ones, the oldest of each kind (the
    list keeps the order they were created in)."""
    seen: set[tuple[str, int | None]] = set()
    found: list[A] = []
    for a in items:
        if a["trigger"] != trigger or not active(a) or kind_of(a) in seen:
            continue
        seen.add(kind_of(a))
        found.append(a)
    return found


def describe(automation: Automation) -> str:
    """The automation as a studio names it, for messages."""
    trigger, every = kind_of(automation)
    return f"{trigger} every {every} visits" if every is not None else trigger
