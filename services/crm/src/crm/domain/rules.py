"""The rules of the crm summary, as plain functions (stdlib only).

Time: the studio's time zone decides which day and which hour a fact belongs to.
Counters: a client "contributes" to a set of totals (fee valid today, balance, app,
demographic buckets); the read model keeps the sum of contributions, and a change of a
client's facts moves it by the difference between the old and the new set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ALL_SCOPE = "*"
REBOOK_WINDOW = timedelta(days=7)
APP_IDLE_MONTHS = 12
BALANCE_STATUSES = frozenset({"AVAILABLE", "IN_USE"})
UNUSED_STATUSES = frozenset({"AVAILABLE"})
ENDED_MEMBERSHIP = frozenset({"CANCELLED", "CANCELED", "VOID"})
GENDERS = ("FEMALE", "MALE", "NON_BINARY", "UNDISCLOSED")
AGE_BANDS = ("<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", "UNKNOWN")
PLATFORMS = ("ANDROID", "IOS")
BOOKING_STATUSES = {
    "BOOKED": "booking_made",
    "CONFIRMED": "booking_made",
    "CANCELLED": "booking_cancelled",
    "CANCELED": "booking_cancelled",
    "WAITLISTED": "waitlist_joined",
    "WAITLIST": "waitlist_joined",
    "CONVERTED": "waitlist_converted",
}
APP_KINDS = {
    "SESSION_STARTED": "app_session_started",
    "LOGGED_OUT": "app_logged_out",
    "NOTIFICATION_BOUNCED": "notification_bounced",
    "APP_UNINSTALLED": "notification_bounced",
}


@dataclass(frozen=True)
class Slot:
    """Where a moment falls in the studio's calendar."""

    day: str  # YYYY-MM-DD
    month: str  # YYYY-MM
    hour: int
    weekday: int = 1  # ISO: Monday 1 … Sunday 7

    @property
    def heat(self) -> str:
        """B10: the weekday × hour cell of the month's heatmap."""
        return f"heat.d{self.weekday}.h{self.hour:02d}"


def slot(at: datetime, zone: ZoneInfo) -> Slot:
    local = at.astimezone(zone)
    return Slot(
        day=local.date().isoformat(),
        month=local.strftime("%Y-%m"),
        hour=local.hour,
        weekday=local.isoweekday(),
    )


@dataclass(frozen=True)
class HeatCell:
    weekday: int
    hour: int
    offered: int
    booked: int

    @property
    def rate(self) -> float:
        return round(self.booked / self.offered, 4) if self.offered else 0.0


def heatmap(heat: Mapping[str, Any]) -> list[HeatCell]:
    cells = [
        HeatCell(int(d[1:]), int(h[1:]), int(v.get("o", 0)), int(v.get("b", 0)))
        for d, hours in heat.items()
        for h, v in hours.items()
    ]
    return sorted((c for c in cells if c.offered or c.booked), key=lambda c: (c.weekday, c.hour))


def heatmap_of_days(
    days: Mapping[date, Mapping[str, Any]], service_id: str | None, professional_id: str | None
) -> list[HeatCell]:
    """B10 for one service or professional: the days' occupancy (their `occ`, hours in
    the studio's time zone as recorded) summed per weekday × hour, with `occupancy`'s
    rule for both filters."""
    sums: dict[tuple[int, int], list[int]] = {}
    for day, occ in days.items():
        for point in occupancy(occ, service_id, professional_id):
            cell = sums.setdefault((day.isoweekday(), point.hour), [0, 0])
            cell[0] += point.offered
            cell[1] += point.booked
    return [HeatCell(d, h, o, b) for (d, h), (o, b) in sorted(sums.items())]


def previous_period(day: date, period: str) -> date:
    """B10: the same view one day or one month earlier."""
    if period == "MONTH":
        return add_months(day, -1)
    return day - timedelta(days=1)


def safe_key(value: str) -> str:
    """An id usable as a document field name (no dots, no leading $)."""
    return value.replace("%", "%25").replace(".", "%2E").replace("$", "%24")


def unsafe_key(value: str) -> str:
    return value.replace("%2E", ".").replace("%24", "$").replace("%25", "%")


def scopes(branch_id: str | None) -> list[str]:
    return [ALL_SCOPE] if not branch_id else [ALL_SCOPE, f"b~{safe_key(branch_id)}"]


def scope_of(branch_id: str | None) -> str:
    return ALL_SCOPE if not branch_id else f"b~{safe_key(branch_id)}"


def occupancy_paths(hour: int, service_id: str | None, professional_id: str | None) -> list[str]:
    """The counters a session or booking at `hour` moves: overall, per service, per pro."""
    h = f"h{hour:02d}"
    paths = [f"occ.all.{h}"]
    if service_id:
        paths.append(f"occ.s~{safe_key(service_id)}.{h}")
    if professional_id:
        paths.append(f"occ.p~{safe_key(professional_id)}.{h}")
    return paths


@dataclass(frozen=True)
class OccupancyPoint:
    hour: int
    offered: int
    booked: int

    @property
    def rate(self) -> float:
        return round(self.booked / self.offered, 4) if self.offered else 0.0


def occupancy(
    occ: Mapping[str, Any], service_id: str | None, professional_id: str | None
) -> list[OccupancyPoint]:
    """Hours with anything offered or booked, for one dimension (both filters: the
    per-service and per-professional figures are kept separately, so with both set the
    professional's figures restricted to hours the service also ran are shown)."""
    if service_id and professional_id:
        by_service = occ.get(f"s~{safe_key(service_id)}") or {}
        by_pro = occ.get(f"p~{safe_key(professional_id)}") or {}
        hours = {h: v for h, v in by_pro.items() if h in by_service}
    elif service_id:
        hours = occ.get(f"s~{safe_key(service_id)}") or {}
    elif professional_id:
        hours = occ.get(f"p~{safe_key(professional_id)}") or {}
    else:
        hours = occ.get("all") or {}
    points = [
        OccupancyPoint(hour=int(h[1:]), offered=int(v.get("o", 0)), booked=int(v.get("b", 0)))
        for h, v in hours.items()
    ]
    return sorted((p for p in points if p.offered or p.booked), key=lambda p: p.hour)


def members(counts: Mapping[str, Any] | None) -> list[str]:
    """Client ids whose counter in a list map is above zero, in a stable order."""
    return sorted(unsafe_key(k) for k, v in (counts or {}).items() if int(v) > 0)


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError("unreachable")  # pragma: no cover


def birthday_keys(day: date) -> list[str]:
    """Month-day keys celebrated on `day`: 29 February is celebrated on the 28th in
    years without it."""
    keys = [day.strftime("%m-%d")]
    if day.month == 2 and day.day == 28:
        try:
            date(day.year, 2, 29)
        except ValueError:
            keys.append("02-29")
    return keys


def age_band(birth: date | None, today: date) -> str:
    if birth is None:
        return "UNKNOWN"
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if age < 18:
        return "<18"
    for low, high in ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64)):
        if low <= age <= high:
            return f"{low}-{high}"
    return "65+"


def _date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def fee_valid(membership: Mapping[str, Any], today: date) -> bool:
    """K3: valid from its first day through its last day plus the tolerance days (extra
    expiry days are not counted); a cancelled membership is not valid."""
    if str(membership.get("status", "")).upper() in ENDED_MEMBERSHIP:
        return False
    start = _date(membership.get("valid_from"))
    if start is None or today < start:
        return False
    until = _date(membership.get("valid_until"))
    if until is None:
        return True
    return today <= until + timedelta(days=int(membership.get("tolerance_days") or 0))


def _credit_live(credit: Mapping[str, Any], today: date, statuses: frozenset[str]) -> bool:
    if str(credit.get("status", "")).upper() not in statuses:
        return False
    expires = _date(credit.get("expires_at"))
    return expires is None or expires >= today


def has_balance(memberships: Iterable[Mapping[str, Any]], today: date) -> bool:
    return any(
        _credit_live(c, today, BALANCE_STATUSES)
        for m in memberships
        if str(m.get("status", "")).upper() not in ENDED_MEMBERSHIP
        for c in m.get("credits") or []
    )


def has_unused_balance(memberships: Iterable[Mapping[str, Any]], today: date) -> bool:
    return any(
        _credit_live(c, today, UNUSED_STATUSES)
        for m in memberships
        if str(m.get("status", "")).upper() not in ENDED_MEMBERSHIP
        for c in m.get("credits") or []
    )


def app_active(app: Mapping[str, Any] | None, today: date) -> bool:
    """K6: in from the first identified session; out on logout or an "uninstalled"
    bounce (both clear `has`), or after 12 months without use and without notifications."""
    if not app or not app.get("has"):
        return False
    seen = [d for d in (_date(app.get("last_used")), _date(app.get("last_notified"))) if d]
    return bool(seen) and today < add_months(max(seen), APP_IDLE_MONTHS)


def contributions(profile: Mapping[str, Any], today: date) -> set[str]:
    """The totals (K3) and demographic buckets (K5) this client counts in today."""
    memberships = list((profile.get("memberships") or {}).values())
    out: set[str] = set()
    active = any(fee_valid(m, today) for m in memberships)
    if active:
        out.add("fee")
    if has_balance(memberships, today):
        out.add("balance")
    if has_unused_balance(memberships, today):
        out.add("unused")
    app = profile.get("app") or {}
    with_app = app_active(app, today)
    if with_app:
        out.add("app")
    gender = str(profile.get("gender") or "UNDISCLOSED")
    if gender not in GENDERS:
        gender = "UNDISCLOSED"
    band = age_band(_date(profile.get("birth_date")), today)
    for scope in ("all", "act") if active else ("all",):
        out.add(f"{scope}~g~{gender}")
        out.add(f"{scope}~a~{band}")
        if with_app and app.get("platform") in PLATFORMS:
            out.add(f"{scope}~p~{app['platform']}")
    return out


def delta(old: Iterable[str], new: Iterable[str]) -> dict[str, int]:
    before, after = set(old), set(new)
    moves = {k: 1 for k in after - before}
    moves.update({k: -1 for k in before - after})
    return moves


def rebooked_cancellation(
    cancels: Iterable[Mapping[str, Any]],
    *,
    booking_id: str,
    balance_kind: str | None,
    at: datetime,
) -> Mapping[str, Any] | None:
    """K2: the oldest cancellation this booking recovers — made at most 7 days after
    it, consuming the same kind of balance, not already recovered by another booking."""
    for cancel in sorted(cancels, key=lambda c: c["at"]):
        if cancel.get("rebooked_by") or cancel["booking_id"] == booking_id:
            continue
        if cancel.get("balance_kind") != balance_kind:
            continue
        if cancel["at"] <= at <= cancel["at"] + REBOOK_WINDOW:
            return cancel
    return None


def priority_rank(priority: str) -> int:
    return {"URGENT": 0, "HIGH": 1, "NORMAL": 2, "LOW": 3}.get(priority, 4)


def booking_recovering(
    bookings: Mapping[str, Mapping[str, Any]],
    *,
    booking_id: str,
    balance_kind: str | None,
    at: datetime,
) -> str | None:
    """The other side of `rebooked_cancellation`, for a cancellation that arrives after
    the booking that recovers it: the earliest booking made within 7 days after `at`,
    with the same kind of balance, not already recovering another cancellation."""
    found: tuple[datetime, str] | None = None
    for key, booking in bookings.items():
        made = booking.get("made_at")
        if key == booking_id or made is None or booking.get("recovers"):
            continue
        if booking.get("balance_kind") != balance_kind:
            continue
        if at <= made <= at + REBOOK_WINDOW and (found is None or made < found[0]):
            found = (made, key)
    return found[1] if found else None
