"""The answer of a mutation that takes something in to be applied later: crm's
`record*` facts (applied by its consumer), notifications' `sendClientMessage` (queued).

One definition for every subgraph that answers with it: a type shared in the supergraph
(`@shareable`) must have the same fields everywhere it is defined.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from plumbing.gql import UserError


@strawberry.enum(description="What became of what was sent in.")
class IngestStatus(Enum):
    ACCEPTED = "ACCEPTED"  # recorded; applied within seconds
    PENDING = "PENDING"  # recorded; applied once what `waitingFor` names has arrived
    CORRECTED = "CORRECTED"  # recorded as a correction of what was first reported (`corrects`)
    REFUSED = "REFUSED"  # not recorded: see `userErrors`


@strawberry.federation.type(
    shareable=True, description="What a PENDING fact needs that has not arrived yet."
)
class Prerequisite:
    code: str  # UNKNOWN_SESSION, UNKNOWN_BOOKING, UNKNOWN_WAITLIST_ENTRY, UNKNOWN_INVOICE
    message: str
    field: list[str] | None


@strawberry.federation.type(shareable=True)
class IngestPayload:
    accepted: bool
    event_id: strawberry.ID | None
    user_errors: list[UserError]
    waiting_for: list[Prerequisite] = strawberry.field(
        default_factory=list,
        description="What a PENDING fact waits for: it is applied as if it had come after them.",
    )
    corrects: strawberry.ID | None = strawberry.field(
        default=None,
        description="A CORRECTED fact: the event id of the fact as first reported, which "
        "this one corrects (a session's new time, capacity or professional).",
    )

    @strawberry.field(
        description="ACCEPTED, PENDING (accepted, waits for `waitingFor`), CORRECTED "
        "(accepted as a correction of `corrects`) or REFUSED (see `userErrors`; "
        "FACT_CONFLICT: the same id was reported before with other content)."
    )
    def status(self) -> IngestStatus:
        if not self.accepted:
            return IngestStatus.REFUSED
        if self.corrects is not None:
            return IngestStatus.CORRECTED
        return IngestStatus.PENDING if self.waiting_for else IngestStatus.ACCEPTED
