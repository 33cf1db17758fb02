"""The rules of ranks, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from ranks.domain.categories import (
    Category,
    Criteria,
    RankDef,
    RankRefused,
    Terminology,
    insert_rank,
    move_rank,
    remove_rank,
)
from ranks.domain.model import (
    ChangeKind,
    Holding,
    Trigger,
    count_visit,
    days_between,
    manual_change,
    settle,
    sign_off,
)
from ranks.domain.words import labels, message

T0 = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
WHITE = RankDef("w", "White")
YELLOW = RankDef("y", "Yellow", Criteria(min_visits=3))
ORANGE = RankDef("o", "Orange", Criteria(min_days_in_rank=30))
KARATE = Category("k", "Karate", auto_promote=True, ranks=(WHITE, YELLOW, ORANGE))


def held(rank_id: str = "w", **kw: object) -> Holding:
    return Holding(rank_id=rank_id, since=T0, **kw)  # type: ignore[arg-type]


def test_a_visit_counts_once_and_only_after_entering_the_rank() -> None:
    h = held()
    h = count_visit(KARATE, h, "a", T0 + timedelta(hours=1), None)
    h = count_visit(KARATE, h, "a", T0 + timedelta(hours=1), None)
    h = count_visit(KARATE, h, "old", T0 - timedelta(hours=1), None)
    h = count_visit(KARATE, h, "same-instant", T0, None)
    assert h.visit_keys == ("a",)


def test_only_the_category_services_count() -> None:
    judo = Category("j", "Judo", service_ids=("judo",), ranks=(WHITE, YELLOW))
    h = count_visit(judo, held(), "a", T0 + timedelta(hours=1), "yoga")
    h = count_visit(judo, h, "b", T0 + timedelta(hours=2), None)
    h = count_visit(judo, h, "c", T0 + timedelta(hours=3), "judo")
    assert h.visit_keys == ("c",)


def test_auto_promotion_at_the_threshold_starts_the_new_rank_from_zero() -> None:
    h = held(visit_keys=("a", "b"))
    assert settle(KARATE, h, T0, UTC_ZONE, "c1").change is None
    at = T0 + timedelta(hours=5)
    out = settle(KARATE, held(visit_keys=("a", "b", "c")), T0, UTC_ZONE, "c1", since=at)
    assert out.change is not None
    assert (out.change.kind, out.change.trigger) == (ChangeKind.PROMOTION, Trigger.AUTOMATIC)
    assert (out.change.from_rank_id, out.change.to_rank_id) == ("w", "y")
    assert out.holding == Holding(rank_id="y", since=at, auto_promoted_at=at)


def test_without_auto_promotion_the_eligibility_is_announced_once() -> None:
    manual = Category("k", "Karate", ranks=(WHITE, YELLOW))
    first = settle(manual, held(visit_keys=("a", "b", "c")), T0, UTC_ZONE, "c1")
    assert first.eligible_for is not None and first.eligible_for.rank == YELLOW
    assert first.change is None
    again = settle(manual, first.holding, T0, UTC_ZONE, "c2")
    assert again.eligible_for is None and again.holding == first.holding


def test_never_past_the_last_rank_and_manual_only_ranks_wait_for_staff() -> None:
    last = settle(
        KARATE, held("o", visit_keys=tuple("abcdefgh")), T0 + timedelta(days=999), UTC_ZONE, "x"
    )
    assert last.change is None and last.eligible_for is None
    no_criteria = Category("c", "C", auto_promote=True, ranks=(WHITE, RankDef("b", "Black")))
    out = settle(
        no_criteria, held(visit_keys=tuple("abcdefgh")), T0 + timedelta(days=999), UTC_ZONE, "x"
    )
    assert out.change is None


def test_seniority_counts_days_in_the_studio_time_zone() -> None:
    madrid = ZoneInfo("Europe/Madrid")  # T0 is already 1 March 23:30 in Madrid
    assert days_between(T0, T0 + timedelta(hours=1), UTC_ZONE) == 0  # 23:30 UTC, same day
    assert days_between(T0, T0 + timedelta(hours=1), madrid) == 1  # 00:30 on 2 March
    assert days_between(T0, T0 + timedelta(minutes=20), madrid) == 0
    h = held("y")
    assert settle(KARATE, h, T0 + timedelta(days=29), UTC_ZONE, "x").change is None
    assert settle(KARATE, h, T0 + timedelta(days=30), UTC_ZONE, "x").change is not None


def test_both_criteria_must_hold() -> None:
    both = Category("c", "C", auto_promote=True, ranks=(WHITE, RankDef("y", "Y", Criteria(2, 10))))
    assert settle(both, held(visit_keys=("a", "b")), T0, UTC_ZONE, "x").change is None
    assert settle(both, held(), T0 + timedelta(days=10), UTC_ZONE, "x").change is None
    assert settle(both, held(visit_keys=("a", "b")), T0 + timedelta(days=10), UTC_ZONE, "x").change


def test_manual_changes_and_their_refusals() -> None:
    h, change = manual_change(
        KARATE,
        None,
        ChangeKind.ASSIGNMENT,
        rank_id="w",
        actor_id="s",
        note=" hi ",
        now=T0,
        change_id="1",
    )
    assert (change.from_rank_id, change.to_rank_id, change.note) == (None, "w", "hi")
    with pytest.raises(RankRefused) as lowest:
        manual_change(
            KARATE,
            h,
            ChangeKind.DEMOTION,
            rank_id=None,
            actor_id="s",
            note=None,
            now=T0,
            change_id="2",
        )
    assert lowest.value.code == "LOWEST"
    with pytest.raises(RankRefused) as none:
        manual_change(
            KARATE,
            None,
            ChangeKind.PROMOTION,
            rank_id=None,
            actor_id="s",
            note=None,
            now=T0,
            change_id="2",
        )
    assert none.value.code == "NO_RANK"
    top = held("o")
    with pytest.raises(RankRefused) as highest:
        manual_change(
            KARATE,
            top,
            ChangeKind.PROMOTION,
            rank_id=None,
            actor_id="s",
            note=None,
            now=T0,
            change_id="2",
        )
    assert highest.value.code == "HIGHEST"


def test_reordering_and_removing_held_ranks_is_refused() -> None:
    assert [r.id for r in move_rank(KARATE, "o", 1, set()).ranks] == ["o", "w", "y"]
    with pytest.raises(RankRefused) as moving:
        move_rank(KARATE, "o", 1, {"w"})  # White would shift
    assert moving.value.args_ == {"names": "White"}
    assert [r.id for r in move_rank(KARATE, "o", 2, {"w"}).ranks] == ["w", "o", "y"]
    with pytest.raises(RankRefused):
        remove_rank(KARATE, "y", {"y"})
    assert [r.id for r in remove_rank(KARATE, "y", {"w"})[0].ranks] == ["w", "o"]
    with pytest.raises(RankRefused) as dup:
        insert_rank(KARATE, RankDef("n", "white"), None)
    assert dup.value.code == "DUPLICATE_RANK"
    with pytest.raises(RankRefused):
        insert_rank(KARATE, RankDef("n", "Green", Criteria(min_visits=0)), None)


def test_words_follow_terminology_and_language() -> None:
    assert labels(Terminology.BELTS, "it").tracking == "Monitoraggio delle cinture"
    assert labels(Terminology.RANKINGS, "pt-BR").singular == "rank"  # unknown: English
    assert message("HIGHEST", Terminology.CHALLENGES, "es") == (
        "el cliente ya tiene el desafío más alto de esta categoría"
    )


def test_skills_must_all_be_signed_off_before_the_rank_is_earned() -> None:
    kata = RankDef("y", "Yellow", Criteria(min_visits=1, skills=("kata 1", "ukemi")))
    judo = Category("j", "Judo", auto_promote=True, ranks=(WHITE, kata))
    h = held(visit_keys=("a",))
    assert settle(judo, h, T0, UTC_ZONE, "x").change is None
    h = sign_off(judo, h, "kata 1")
    assert sign_off(judo, h, "kata 1") == h  # twice: nothing new
    assert settle(judo, h, T0, UTC_ZONE, "x").change is None
    h = sign_off(judo, h, " ukemi ")
    out = settle(judo, h, T0, UTC_ZONE, "x")
    assert out.change is not None and out.holding.skills == ()
    with pytest.raises(RankRefused) as unknown:
        sign_off(judo, held(), "kick")
    assert unknown.value.code == "UNKNOWN_SKILL"
    with pytest.raises(RankRefused) as bad:
        Criteria(skills=("a", "A")).check()
    assert bad.value.code == "BAD_SKILLS"
