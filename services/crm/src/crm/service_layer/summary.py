"""The crm summary, read from the read models the consumer keeps (a handful of
documents fetched by `_id`; nothing is counted at query time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crm.domain import rules
from crm.service_layer.ports import ReadModels
from crm.service_layer.profile_entries import period_id
from crm.service_layer.purchases import UNPAID
from crm.service_layer.totals import TOTALS

Doc = dict[str, Any]


@dataclass
class SummaryView:
    day: date
    period: str
    zone: ZoneInfo
    day_doc: Doc
    month_doc: Doc
    totals: Doc
    unpaid: Doc
    birthdays: list[str]

    @property
    def period_doc(self) -> Doc:
        return self.month_doc if self.period == "MONTH" else self.day_doc

    def occupancy(
        self, service_id: str | None, professional_id: str | None
    ) -> list[tuple[datetime, rules.OccupancyPoint]]:
        base = self.day if self.period == "DAY" else self.day.replace(day=1)
        return [
            (datetime.combine(base, time(p.hour), self.zone).astimezone(UTC), p)
            for p in rules.occupancy(self.period_doc.get("occ") or {}, service_id, professional_id)
        ]

    def list_of(self, name: str) -> list[str]:
        return rules.members(self.day_doc.get(name))

    def listed(self, name: str) -> int:
        """How many clients a day's list counts: those listed, and those erased since
        (their ids are gone, their number stays: B9)."""
        return len(self.list_of(name)) + self.count(name, self.day_doc.get("anon") or {})

    def waitlist_entries(self) -> list[Doc]:
        """K2: the day's waitlist entries with their sessions, by start time, then id."""
        entries = [
            {**entry, "entry_id": rules.unsafe_key(key)}
            for key, entry in (self.day_doc.get("wle") or {}).items()
            if isinstance(entry, dict) and entry.get("session_id")
        ]
        return sorted(entries, key=lambda e: (str(e.get("starts_at")), e["entry_id"]))

    def count(self, name: str, doc: Doc | None = None) -> int:
        return max(int((doc if doc is not None else self.day_doc).get(name) or 0), 0)

    def total(self, key: str) -> int:
        return max(int((self.totals.get("c") or {}).get(key) or 0), 0)

    def unpaid_booked_count(self) -> int:
        return len(self.unpaid_booked()) + self.count("unpaid", self.day_doc.get("anon") or {})

    def unpaid_booked(self) -> list[str]:
        owing = set(rules.members(self.unpaid.get("clients")))
        return [c for c in self.list_of("booked") if c in owing]

    def balance_no_booking(self) -> int:
        return max(self.total("balance") - self.count("bwb", self.period_doc), 0)

    def buckets(self, scope: str, dimension: str, keys: tuple[str, ...]) -> list[tuple[str, int]]:
        prefix = "all" if scope == "ALL" else "act"
        return [(k, self.total(f"{prefix}~{dimension}~{k}")) for k in keys]


async def load(
    views: ReadModels, day: date, period: str, branch_id: str | None, zone: ZoneInfo
) -> SummaryView:
    scope = rules.scope_of(branch_id)
    ids = [
        period_id("D", scope, day.isoformat()),
        period_id("M", scope, day.strftime("%Y-%m")),
        TOTALS,
        UNPAID,
        *(f"bday~{k}" for k in rules.birthday_keys(day)),
    ]
    # One read of at most six documents by `_id` (`{_id: {$in}}` on MongoDB).
    found = await views.periods.get_many(ids)
    docs = [found.get(i) for i in ids]
    birthdays = sorted({c for d in docs[4:] for c in rules.members((d or {}).get("clients"))})
    return SummaryView(
        day=day,
        period=period,
        zone=zone,
        day_doc=docs[0] or {},
        month_doc=docs[1] or {},
        totals=docs[2] or {},
        unpaid=docs[3] or {},
        birthdays=birthdays,
    )


async def month_heatmap(
    views: ReadModels,
    day: date,
    branch_id: str | None,
    service_id: str | None,
    professional_id: str | None,
) -> list[rules.HeatCell]:
    """B10 filtered by service and/or professional: the month's day documents (at most
    31, by `_id`) summed per weekday × hour; unfiltered, the month document's own cells."""
    scope = rules.scope_of(branch_id)
    if not service_id and not professional_id:
        month = await views.periods.get(period_id("M", scope, day.strftime("%Y-%m")))
        return rules.heatmap((month or {}).get("heat") or {})
    first = day.replace(day=1)
    days = [first + timedelta(days=n) for n in range(31)]
    days = [d for d in days if d.month == first.month]
    found = await views.periods.get_many([period_id("D", scope, d.isoformat()) for d in days])
    occ = {
        d: (found.get(period_id("D", scope, d.isoformat())) or {}).get("occ") or {} for d in days
    }
    return rules.heatmap_of_days(occ, service_id, professional_id)
