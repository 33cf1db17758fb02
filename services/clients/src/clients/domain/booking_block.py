"""B7: the booking block as a policy. Staff block a client's bookings with a mode, a
reason a booking system can show, the branches it covers (none: all), and who set it
when. The old switch (`online_booking_blocked`) reads as a WAITLIST_ONLY block on every
branch with no reason, and is kept in step with the policy so that old readers still
see "blocked" (stdlib only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

MAX_REASON = 300


class BlockMode(StrEnum):
    # May not book online; may join a waitlist; staff may book them in the studio (C4).
    WAITLIST_ONLY = "WAITLIST_ONLY"
    # A booking needs staff's approval: online it is a request, in the studio staff decide.
    NEEDS_APPROVAL = "NEEDS_APPROVAL"
    # No booking at all, waitlist included, on every channel.
    NO_BOOKING = "NO_BOOKING"


@dataclass(frozen=True)
class BookingBlock:
    mode: BlockMode
    reason: str | None = None
    branch_ids: tuple[str, ...] = ()  # empty: every branch
    set_by: str | None = None
    set_at: datetime | None = None

    def covers(self, branch_id: str | None) -> bool:
        """Whether the block applies to a booking at `branch_id`; a check that names no
        branch gets the block (the stricter answer)."""
        return not self.branch_ids or branch_id is None or branch_id in self.branch_ids

    def as_doc(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "reason": self.reason,
            "branch_ids": list(self.branch_ids),
            "set_by": self.set_by,
            "set_at": self.set_at,
        }


def block_of(card: Mapping[str, Any]) -> BookingBlock | None:
    """The card's block: its policy, or the old switch read as WAITLIST_ONLY."""
    doc = card.get("booking_block")
    if isinstance(doc, Mapping) and doc.get("mode") in BlockMode.__members__:
        return BookingBlock(
            mode=BlockMode(doc["mode"]),
            reason=doc.get("reason"),
            branch_ids=tuple(doc.get("branch_ids") or ()),
            set_by=doc.get("set_by"),
            set_at=doc.get("set_at"),
        )
    if card.get("online_booking_blocked"):
        return BookingBlock(BlockMode.WAITLIST_ONLY)
    return None


def block_problems(
    reason: str | None, branch_ids: Sequence[str], studio_branches: Sequence[str]
) -> list[tuple[str, str, str]]:
    """(message, code, field) of what is wrong with a block as staff set it."""
    problems: list[tuple[str, str, str]] = []
    if reason is not None and len(reason.strip()) > MAX_REASON:
        problems.append((f"a reason is at most {MAX_REASON} characters", "TOO_LONG", "reason"))
    for index, branch in enumerate(branch_ids):
        if branch not in studio_branches:
            problems.append(
                (f"the studio has no branch {branch!r}", "BAD_BRANCH", f"branchIds.{index}")
            )
    if len(set(branch_ids)) != len(branch_ids):
        problems.append(("a branch is named twice", "DUPLICATE_BRANCH", "branchIds"))
    return problems
