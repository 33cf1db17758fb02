"""Stripes: sub-ranks earned in order inside a rank, each step counted from the last."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from ranks.domain.categories import (
    Category,
    Criteria,
    RankDef,
    RankRefused,
    Terminology,
    set_stripes,
)
from ranks.domain.model import (
    ChangeKind,
    Holding,
    Trigger,
    count_visit,
    eligible_step,
    manual_change,
    next_step,
    settle,
    sign_off,
    stripe_change,
)
from ranks.domain.words import labels, message

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
# White with two stripes (2 visits, then 7 days), then Yellow at 3 visits.
WHITE = RankDef("w", "White", stripes=(Criteria(min_visits=2), Criteria(min_days_in_rank=7)))
YELLOW = RankDef("y", "Yellow", Criteria(min_visits=3))
KARATE = Category("k", "Karate", auto_promote=True, ranks=(WHITE, YELLOW))


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def visits(category: Category, holding: Holding, *seen: tuple[str, float]) -> Holding:
    """Count visits (key, hours after T0) and settle after each, as the consumer does."""
    for key, hours in seen:
        holding = count_visit(category, holding, key, at(hours), None)
        holding = settle(category, holding, at(hours), UTC_ZONE, key, since=at(hours)).holding
    return holding


def test_the_next_step_is_the_next_stripe_then_the_next_rank() -> None:
    h = Holding("w", T0)
    step = next_step(KARATE, h)
    assert step is not None and (step.rank.id, step.stripe) == ("w", 1)
    step = next_step(KARATE, replace(h, stripes=2))
    assert step is not None and (step.rank.id, step.stripe, step.is_stripe) == ("y", 0, False)
    assert next_step(KARATE, Holding("y", T0)) is None  # never past the last rank


def test_visits_earn_the_stripe_first_and_the_next_step_counts_from_it() -> None:
    h = Holding("w", T0)
    h = count_visit(KARATE, h, "a", at(1), None)
    h = count_visit(KARATE, h, "b", at(2), None)
    # Three visits would earn Yellow, but the stripes come first.
    h = count_visit(KARATE, h, "c", at(3), None)
    earned = eligible_step(KARATE, h, at(3), UTC_ZONE)
    assert earned is not None and (earned.rank.id, earned.stripe) == ("w", 1)
    out = settle(KARATE, h, at(3), UTC_ZONE, "x1", since=at(3))
    assert out.change is not None
    assert (out.change.kind, out.change.trigger) == (ChangeKind.STRIPE_AWARDED, Trigger.AUTOMATIC)
    assert (out.change.from_rank_id, out.change.to_rank_id) == ("w", "w")
    assert (out.change.from_stripes, out.change.to_stripes) == (0, 1)
    stripe = out.holding
    assert (stripe.rank_id, stripe.since, stripe.stripes) == ("w", T0, 1)  # still White
    assert (stripe.step_since, stripe.visits, stripe.visits_in_rank) == (at(3), 0, 3)
    assert stripe.auto_promoted_at is None  # a stripe is not a rank


def test_a_stripe_is_earned_once_whatever_the_order_and_duplicates() -> None:
    h = Holding("w", T0)
    # The later visit is reported first; the earlier one completes the stripe.
    h = visits(KARATE, h, ("late", 5), ("early", 1))
    assert (h.stripes, h.step_since) == (1, at(5))  # the step starts after both visits
    # Both again, and a new visit attended before the stripe: nothing counts.
    h = visits(KARATE, h, ("late", 5), ("early", 1), ("between", 4))
    assert (h.stripes, h.visits, h.visits_in_rank) == (1, 0, 2)
    h = visits(KARATE, h, ("after", 6))
    assert (h.stripes, h.visit_keys) == (1, ("after",))


def test_seniority_of_a_stripe_counts_from_the_previous_stripe() -> None:
    h = visits(KARATE, Holding("w", T0), ("a", 1), ("b", 24 * 5))  # stripe 1 on day 5
    assert h.stripes == 1
    assert settle(KARATE, h, h.step_since + timedelta(days=6), UTC_ZONE, "x").change is None
    out = settle(KARATE, h, h.step_since + timedelta(days=7), UTC_ZONE, "x")
    assert out.change is not None and out.holding.stripes == 2


def test_after_the_last_stripe_the_next_rank_counts_from_it_and_starts_with_none() -> None:
    h = Holding("w", T0, stripes=2, stripe_since=at(100), earlier_visits=4)
    h = visits(KARATE, h, ("old", 50), ("a", 101), ("b", 102))  # 'old' predates the stripe
    assert (h.rank_id, h.visits) == ("w", 2)
    h = count_visit(KARATE, h, "c", at(103), None)
    out = settle(KARATE, h, at(103), UTC_ZONE, "x", since=at(103))
    assert out.change is not None
    assert (out.change.kind, out.change.to_rank_id) == (ChangeKind.PROMOTION, "y")
    assert (out.change.from_stripes, out.change.to_stripes) == (2, 0)
    assert out.holding == Holding("y", at(103), auto_promoted_at=at(103))


def test_without_auto_promotion_a_stripe_is_announced_once() -> None:
    manual = replace(KARATE, auto_promote=False)
    h = visits(manual, Holding("w", T0), ("a", 1), ("b", 2))
    assert (h.stripes, h.announced_stripe, h.announced_for) == (0, 1, None)
    again = settle(manual, count_visit(manual, h, "c", at(3), None), at(3), UTC_ZONE, "x")
    assert again.eligible_for is None and again.change is None
    first = settle(manual, replace(h, announced_stripe=None), at(3), UTC_ZONE, "x")
    assert first.eligible_for is not None and first.eligible_for.stripe == 1


def test_a_stripe_without_criteria_is_given_by_hand_only_and_blocks_the_next_rank() -> None:
    by_hand = RankDef("w", "White", stripes=(Criteria(),))
    category = replace(KARATE, ranks=(by_hand, YELLOW))
    h = visits(category, Holding("w", T0), *((k, i + 1) for i, k in enumerate("abcdef")))
    assert (h.rank_id, h.stripes, h.visits) == ("w", 0, 6)


def test_staff_award_and_remove_stripes_and_each_change_starts_the_step_afresh() -> None:
    h = count_visit(KARATE, Holding("w", T0), "a", at(1), None)
    h, change = stripe_change(
        KARATE,
        h,
        ChangeKind.STRIPE_AWARDED,
        actor_id="sensei",
        note=" good kata ",
        now=at(2),
        change_id="1",
    )
    assert (h.stripes, h.step_since, h.visits, h.visits_in_rank) == (1, at(2), 0, 1)
    assert (change.kind, change.trigger, change.actor_id, change.note) == (
        ChangeKind.STRIPE_AWARDED,
        Trigger.MANUAL,
        "sensei",
        "good kata",
    )
    assert (change.from_stripes, change.to_stripes) == (0, 1)
    h, _ = stripe_change(
        KARATE, h, ChangeKind.STRIPE_AWARDED, actor_id="s", note=None, now=at(3), change_id="2"
    )
    refused = []
    for holding, kind in (
        (h, ChangeKind.STRIPE_AWARDED),  # both stripes held
        (None, ChangeKind.STRIPE_AWARDED),
        (Holding("y", T0), ChangeKind.STRIPE_AWARDED),  # Yellow has none
        (Holding("w", T0), ChangeKind.STRIPE_REMOVED),
    ):
        with pytest.raises(RankRefused) as exc:
            stripe_change(KARATE, holding, kind, actor_id="s", note=None, now=at(4), change_id="3")
        refused.append(exc.value.code)
    assert refused == ["ALL_STRIPES_HELD", "NO_RANK", "NO_STRIPES", "NO_STRIPE_HELD"]
    h, removed = stripe_change(
        KARATE, h, ChangeKind.STRIPE_REMOVED, actor_id="s", note=None, now=at(5), change_id="4"
    )
    assert (h.stripes, h.step_since, removed.from_stripes, removed.to_stripes) == (1, at(5), 2, 1)
    with pytest.raises(RankRefused) as archived:
        stripe_change(
            replace(KARATE, archived=True),
            h,
            ChangeKind.STRIPE_REMOVED,
            actor_id="s",
            note=None,
            now=at(6),
            change_id="5",
        )
    assert archived.value.code == "CATEGORY_ARCHIVED"


def test_a_new_rank_starts_without_stripes() -> None:
    h = Holding("w", T0, stripes=2, stripe_since=at(1))
    new, change = manual_change(
        KARATE,
        h,
        ChangeKind.PROMOTION,
        rank_id=None,
        actor_id="s",
        note=None,
        now=at(2),
        change_id="1",
    )
    assert (new.rank_id, new.stripes, new.step_since) == ("y", 0, at(2))
    assert (change.from_stripes, change.to_stripes) == (2, 0)
    back, _ = manual_change(
        KARATE,
        new,
        ChangeKind.DEMOTION,
        rank_id=None,
        actor_id="s",
        note=None,
        now=at(3),
        change_id="2",
    )
    assert (back.rank_id, back.stripes) == ("w", 0)


def test_skills_can_be_asked_of_a_stripe() -> None:
    kata = RankDef("w", "White", stripes=(Criteria(skills=("kata 1",)),))
    category = replace(KARATE, ranks=(kata, YELLOW))
    with pytest.raises(RankRefused):
        sign_off(category, Holding("w", T0), "kick")
    h = sign_off(category, Holding("w", T0), "kata 1")
    out = settle(category, h, at(1), UTC_ZONE, "x")
    assert out.change is not None and out.holding.stripes == 1 and out.holding.skills == ()


def test_fewer_stripes_than_a_client_holds_is_refused() -> None:
    three = Criteria(min_visits=3)
    assert set_stripes(WHITE, (three,), most_held=1).stripes == (three,)
    with pytest.raises(RankRefused) as held:
        set_stripes(WHITE, (three,), most_held=2)
    assert (held.value.code, held.value.args_) == ("STRIPES_HELD", {"name": "White", "held": 2})
    assert set_stripes(WHITE, (), most_held=0).stripes == ()
    with pytest.raises(RankRefused) as bad:
        set_stripes(WHITE, (three, Criteria(min_visits=0)), most_held=0)
    assert (bad.value.code, bad.value.args_["stripe"]) == ("BAD_CRITERION", 2)
    with pytest.raises(RankRefused) as many:
        set_stripes(WHITE, (three,) * 11, most_held=0)
    assert many.value.code == "BAD_STRIPES"


def test_stripe_words_follow_terminology_and_language() -> None:
    assert labels(Terminology.BELTS, "es").stripes == "grados"
    assert labels(Terminology.CHALLENGES, "it").stripe == "traguardo"
    assert message("STRIPES_HELD", Terminology.BELTS, "es", name="Blanco", held=3) == (
        "hay clientes con el grado 3 de Blanco: quítaselo antes"
    )
    assert message("ALL_STRIPES_HELD", Terminology.BELTS, "it", name="Bianca") == (
        "il cliente ha già tutti i gradi di Bianca"
    )
    assert message("NO_STRIPE_HELD", Terminology.RANKINGS, "en", name="Gold") == (
        "the client holds no level of Gold"
    )
