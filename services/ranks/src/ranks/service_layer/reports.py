"""The report per category (R9): who holds which rank, who is eligible, who was promoted
automatically since a date; a page of the roster with what each client's member adds
(visits in the rank, the last change)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ranks.adapters.members import MembersShown
from ranks.adapters.roster import Roster, RosterRow, Wanted
from ranks.domain.categories import Category
from ranks.domain.model import Change, Holding, last_change


@dataclass(frozen=True)
class ReportLine:
    row: RosterRow
    # None: the member is gone (erased since the row was read).
    holding: Holding | None
    last_change: Change | None


@dataclass(frozen=True)
class ReportPage:
    lines: list[ReportLine]
    total: int
    has_next: bool
    has_previous: bool = False


async def rank_report(
    roster: Roster,
    shown: MembersShown,
    category: Category,
    *,
    rank_id: str | None,
    eligible_only: bool,
    auto_promoted_since: datetime | None,
    after: str | None,
    size: int,
    before: str | None = None,
    from_end: bool = False,
) -> ReportPage:
    """One page in client id order between the clients `after` and `before` (its last
    rows with `from_end`). A rank the category does not have keeps no row."""
    ranks = tuple(r.id for r in category.ranks)
    wanted = Wanted(
        rank_ids=ranks if rank_id is None else tuple(r for r in ranks if r == rank_id),
        eligible_only=eligible_only,
        auto_promoted_since=auto_promoted_since,
    )
    page = await roster.page(category.id, wanted, after, size, before, from_end)
    members = await shown.by_ids([row.client_id for row in page.rows])
    lines = []
    for row in page.rows:
        member = members.get(row.client_id)
        lines.append(
            ReportLine(
                row=row,
                holding=member.holdings.get(category.id) if member else None,
                last_change=last_change(member.history, category.id) if member else None,
            )
        )
    return ReportPage(lines, page.total, page.has_next, page.has_previous)
