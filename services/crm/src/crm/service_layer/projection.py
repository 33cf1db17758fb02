"""What applying one event to the read models shares: the event, the studio (its days
and hours are the studio's), and the writes every projection makes.

Every effect is idempotent: a fact's natural key is claimed by one event
(`ReadModel.claim`), a document changes at most once per event (`ReadModel.apply_once`;
a second effect of one event on one document carries a tag, `<event id>#bwb`), and
"counted once in a period" is a mark claimed once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from plumbing.envelope import Envelope
from plumbing.storage import Delta
from plumbing.studio import StudioSettings

from crm.domain import rules
from crm.service_layer.ports import ReadModels
from crm.service_layer.profile_entries import balance_booked_mark, moment, period_id
from crm.service_layer.timeline_entries import add_to_timeline
from crm.service_layer.totals import refresh_contributions


@dataclass
class Projection:
    views: ReadModels
    event: Envelope
    studio: StudioSettings

    @property
    def zone(self) -> ZoneInfo:
        return self.studio.zone

    @property
    def today(self) -> date:
        return self.studio.today(datetime.now(UTC))

    def guard(self, tag: str = "") -> str:
        """The id a document records for this event (with a tag for a second effect)."""
        return f"{self.event.id}#{tag}" if tag else self.event.id

    async def periods(
        self, kinds: list[tuple[str, str]], branch: str | None, delta: Delta, tag: str = ""
    ) -> None:
        """`delta` on the day or month documents of the studio and of the branch."""
        # Different documents: written concurrently, each at most once per event.
        await asyncio.gather(
            *(
                self.views.periods.apply_once(period_id(kind, scope, key), self.guard(tag), delta)
                for scope in rules.scopes(branch)
                for kind, key in kinds
            )
        )

    async def profile_update(self, client_id: str, delta: Delta) -> bool:
        return await self.views.profiles.apply_once(client_id, self.guard(), delta)

    async def refresh(self, client_id: str) -> None:
        """The client's K3/K5 contributions after a change of the profile."""
        gained = await refresh_contributions(self.views, client_id, self.today, self.event.id)
        if "balance" in gained:
            await self.booked_before_balance(client_id)

    async def balance_booked(self, period: str, cid: str) -> None:
        """K3: count the client once among the period's booked clients with a balance."""
        if await self.views.marks.claim(balance_booked_mark(period, cid), self.event.id, {}):
            await self.views.periods.apply_once(period, self.guard("bwb"), Delta(inc={"bwb": 1}))

    async def booked_before_balance(self, client_id: str) -> None:
        """K3: a client who booked and then gained a balance (the membership reported after
        the booking) counts in this month's and later periods as one who booked with it."""
        profile = await self.views.profiles.get(client_id) or {}
        cid = rules.safe_key(client_id)
        month = self.today.strftime("%Y-%m")
        periods: set[str] = set()
        for booking in (profile.get("bookings") or {}).values():
            if booking.get("status") == "CANCELLED" or not booking.get("starts_at"):
                continue
            at = rules.slot(moment(booking["starts_at"]), self.zone)
            if at.month < month:
                continue
            for scope in rules.scopes(booking.get("branch_id")):
                periods.update((period_id("D", scope, at.day), period_id("M", scope, at.month)))
        await asyncio.gather(*(self.balance_booked(p, cid) for p in sorted(periods)))

    async def timeline(self, client_id: str | None) -> None:
        if client_id:
            await add_to_timeline(self.views.timelines, client_id, [self.event])
