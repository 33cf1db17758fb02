"""The summary's rules, without I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from crm.domain import rules
from crm.domain.timeline import summarise

TODAY = date(2026, 11, 23)


def test_a_session_falls_on_the_studios_local_day_and_hour() -> None:
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert rules.slot(late, ZoneInfo("Europe/Madrid")) == rules.Slot(
        "2026-11-24", "2026-11", 0, weekday=2
    )
    assert rules.slot(late, ZoneInfo("UTC")).hour == 23


def test_occupancy_by_dimension_and_rate() -> None:
    occ = {
        "all": {"h09": {"o": 15, "b": 4}, "h18": {"o": 4, "b": 2}, "h20": {"o": 0, "b": 0}},
        "s~yoga": {"h09": {"o": 10, "b": 2}},
        "p~pro-2": {"h09": {"o": 5, "b": 2}, "h18": {"o": 4, "b": 2}},
    }
    overall = rules.occupancy(occ, None, None)
    assert [(p.hour, p.offered, p.booked, p.rate) for p in overall] == [
        (9, 15, 4, 0.2667),
        (18, 4, 2, 0.5),
    ]
    assert [p.hour for p in rules.occupancy(occ, "yoga", None)] == [9]
    assert [p.hour for p in rules.occupancy(occ, "yoga", "pro-2")] == [9]
    assert rules.occupancy(occ, "unknown", None) == []


def test_fee_counts_tolerance_days_not_extra_expiry() -> None:
    fee = {"status": "ACTIVE", "valid_from": "2026-10-01", "valid_until": "2026-11-20"}
    assert not rules.fee_valid(fee, TODAY)
    assert rules.fee_valid({**fee, "tolerance_days": 3}, TODAY)
    assert not rules.fee_valid({**fee, "tolerance_days": 2}, TODAY)
    assert rules.fee_valid({**fee, "valid_until": None}, TODAY)
    assert not rules.fee_valid({**fee, "status": "CANCELLED", "valid_until": None}, TODAY)
    assert not rules.fee_valid({**fee, "valid_from": "2026-11-24", "valid_until": None}, TODAY)


def test_balance_available_and_never_used() -> None:
    live = {"status": "ACTIVE", "credits": [{"status": "IN_USE", "expires_at": None}]}
    green = {
        "status": "ACTIVE",
        "credits": [{"status": "AVAILABLE", "expires_at": "2026-11-23T20:00:00+00:00"}],
    }
    expired = {
        "status": "ACTIVE",
        "credits": [{"status": "AVAILABLE", "expires_at": "2026-11-22T20:00:00+00:00"}],
    }
    assert rules.has_balance([live], TODAY) and not rules.has_unused_balance([live], TODAY)
    assert rules.has_balance([green], TODAY) and rules.has_unused_balance([green], TODAY)
    assert not rules.has_balance([expired], TODAY)


def test_app_rules_logout_and_twelve_months() -> None:
    used = {"has": True, "platform": "IOS", "last_used": "2025-11-24T10:00:00+00:00"}
    assert rules.app_active(used, TODAY)
    assert not rules.app_active({**used, "last_used": "2025-11-23T10:00:00+00:00"}, TODAY)
    notified = {**used, "last_used": "2024-01-01T00:00:00+00:00", "last_notified": "2026-01-01"}
    assert rules.app_active(notified, TODAY)
    assert not rules.app_active({**used, "has": False}, TODAY)
    assert not rules.app_active(None, TODAY)


def test_contributions_and_their_delta() -> None:
    profile = {
        "gender": "FEMALE",
        "birth_date": "1996-11-23",
        "memberships": {
            "m": {
                "status": "ACTIVE",
                "valid_from": "2026-01-01",
                "valid_until": None,
                "credits": [{"status": "AVAILABLE"}],
            }
        },
        "app": {"has": True, "platform": "ANDROID", "last_used": "2026-11-01"},
    }
    got = rules.contributions(profile, TODAY)
    assert got == {
        "fee",
        "balance",
        "unused",
        "app",
        "all~g~FEMALE",
        "all~a~25-34",
        "all~p~ANDROID",
        "act~g~FEMALE",
        "act~a~25-34",
        "act~p~ANDROID",
    }
    assert rules.delta({"fee", "app"}, {"app", "balance"}) == {"balance": 1, "fee": -1}


def test_age_bands_and_birthdays() -> None:
    assert rules.age_band(date(2008, 11, 24), TODAY) == "<18"
    assert rules.age_band(date(2008, 11, 23), TODAY) == "18-24"
    assert rules.age_band(date(1950, 1, 1), TODAY) == "65+"
    assert rules.age_band(None, TODAY) == "UNKNOWN"
    assert rules.birthday_keys(date(2027, 2, 28)) == ["02-28", "02-29"]
    assert rules.birthday_keys(date(2028, 2, 28)) == ["02-28"]


def test_a_cancellation_is_recovered_within_seven_days_with_the_same_balance() -> None:
    at = datetime(2026, 11, 20, 10, tzinfo=UTC)
    cancels = [
        {"booking_id": "B1", "balance_kind": "CREDIT", "at": at},
        {"booking_id": "B2", "balance_kind": "MEMBERSHIP", "at": at},
    ]

    def match(kind: str | None, when: datetime) -> str | None:
        found = rules.rebooked_cancellation(cancels, booking_id="N", balance_kind=kind, at=when)
        return found["booking_id"] if found else None

    assert match("CREDIT", at + timedelta(days=7)) == "B1"
    assert match("CREDIT", at + timedelta(days=7, seconds=1)) is None
    assert match("MEMBERSHIP", at + timedelta(hours=1)) == "B2"
    assert match("VOUCHER", at + timedelta(hours=1)) is None
    assert match("CREDIT", at - timedelta(hours=1)) is None
    cancels[0]["rebooked_by"] = "X"
    assert match("CREDIT", at + timedelta(hours=1)) is None


def test_ids_with_dots_survive_as_field_names() -> None:
    assert rules.unsafe_key(rules.safe_key("a.b$c%d")) == "a.b$c%d"
    assert "." not in rules.safe_key("a.b")
    assert rules.members({rules.safe_key("x.y"): 1, "z": 0}) == ["x.y"]


def test_timeline_summaries_in_the_studio_language_and_unknown_events() -> None:
    data = {"session_id": "S1", "from_app": True}
    assert summarise("ingest.booking_made.v1", data, "es") == "Reserva de la sesión S1 desde la app"
    assert (
        summarise("ingest.booking_made.v1", data, "it")
        == "Prenotazione per la sessione S1 dall'app"
    )
    assert summarise("ranks.something_new.v2", {}, "en") == "ranks: something new"
    assert summarise("loyalty.points_earned.v1", {}, "xx") == "Earned ? points"


def test_a_booking_that_arrived_before_the_cancellation_it_recovers() -> None:
    at = datetime(2026, 11, 20, 10, tzinfo=UTC)
    bookings = {
        "B1": {"made_at": at - timedelta(days=2), "balance_kind": "CREDIT"},
        "B2": {"made_at": at + timedelta(hours=2), "balance_kind": "CREDIT"},
        "B3": {"made_at": at + timedelta(hours=1), "balance_kind": "CREDIT", "recovers": "B0"},
        "B4": {"made_at": at + timedelta(hours=1), "balance_kind": "VOUCHER"},
    }
    found = rules.booking_recovering(bookings, booking_id="B1", balance_kind="CREDIT", at=at)
    assert found == "B2"
    assert rules.booking_recovering(bookings, booking_id="B1", balance_kind="PACK", at=at) is None


def test_heatmap_cells_and_the_previous_period() -> None:
    heat = {"d2": {"h09": {"o": 10, "b": 5}}, "d1": {"h18": {"o": 4, "b": 1}, "h07": {"o": 0}}}
    cells = [(c.weekday, c.hour, c.offered, c.booked, c.rate) for c in rules.heatmap(heat)]
    assert cells == [(1, 18, 4, 1, 0.25), (2, 9, 10, 5, 0.5)]
    assert rules.previous_period(date(2026, 3, 31), "MONTH") == date(2026, 2, 28)
    assert rules.previous_period(date(2026, 3, 1), "DAY") == date(2026, 2, 28)


def test_stripe_changes_read_as_stripes_of_the_rank() -> None:
    data = {"rank_name": "Blanco", "stripes": 2, "from_stripes": 1, "stripes_in_rank": 4}
    assert summarise("ranks.stripe_awarded.v1", data, "es") == "Blanco: grado 2 de 4"
    assert summarise("ranks.stripe_removed.v1", data, "en") == "Blanco: back to stripe 2 of 4"
    eligible = {"rank_name": "White", "stripe": 3, "stripes_in_rank": 4}
    assert (
        summarise("ranks.stripe_eligible.v1", eligible, "it") == "White: idoneo per il grado 3 di 4"
    )
