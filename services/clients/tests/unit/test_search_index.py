"""The C10 search index: the same answers as the MongoDB filter (`mongo_filter`), pages after a cursor, and
values that never go back whatever order documents and events arrive in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from clients.adapters import search_index
from clients.adapters.card_search import mongo_filter
from clients.adapters.search_index import Criteria, SearchIndex
from clients.domain.model import ClientStatus, fold
from clients.graphql.inputs import ClientFilter
from clients.graphql.search import client_criteria
from hypothesis import given, settings
from hypothesis import strategies as st
from plumbing.filter_match import matches
from plumbing.gql import decode_position, encode_position

T = "t1"
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def card(client_id: str, first: str, last: str, **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": client_id,
        "first_name": first,
        "last_name": last,
        "search_text": fold(f"{first} {last} {fields.pop('email', '')}"),
        "sort_name": fold(f"{last} {first}"),
        "status": "ACTIVE",
        "points": 0,
    }
    doc.update(fields)
    return doc


def ids(index: SearchIndex, criteria: Criteria, tenant: str = T) -> tuple[int, list[str]]:
    return index.search(tenant, criteria, after=None, limit=100)


def loaded(*docs: dict[str, Any]) -> SearchIndex:
    index = SearchIndex()
    for doc in docs:
        index.card(T, doc)
    return index


def test_every_search_word_must_be_in_the_name_email_or_phone() -> None:
    index = loaded(
        card("a", "Ana", "García", email="ana@example.com"),
        card("b", "Ana", "López"),
        card("c", "Bruno", "Garcia"),
    )
    search = client_criteria(ClientFilter(search="  GARCÍA ana "))
    assert search.words == ("garcia", "ana")
    assert ids(index, search) == (1, ["a"])
    assert ids(index, client_criteria(ClientFilter(search="garc"))) == (2, ["a", "c"])
    assert ids(index, client_criteria(ClientFilter(search="example.com"))) == (1, ["a"])
    assert ids(index, client_criteria(ClientFilter(search="   "))) == (3, ["a", "c", "b"])


def test_only_the_first_five_words_count() -> None:
    criteria = client_criteria(ClientFilter(search="a b c d e nothing-like-this"))
    assert criteria.words == ("a", "b", "c", "d", "e")


def test_status_branch_and_rank_conditions() -> None:
    index = loaded(
        card("a", "Ana", "Alba", status="LEAD", preferred_branch_id="north"),
        card("b", "Bruno", "Bravo", status="ACTIVE", preferred_branch_id="south"),
        card("c", "Carla", "Cruz", status="INACTIVE", preferred_branch_id="north"),
    )
    index.rank(T, "b", "belts", "yellow", T0)
    statuses = [ClientStatus.LEAD, ClientStatus.INACTIVE]
    assert ids(index, client_criteria(ClientFilter(status=statuses))) == (2, ["a", "c"])
    assert ids(index, client_criteria(ClientFilter(branch_id="north"))) == (2, ["a", "c"])
    assert ids(index, client_criteria(ClientFilter(rank_id="yellow"))) == (1, ["b"])
    both = ClientFilter(branch_id="north", status=[ClientStatus.LEAD])
    assert ids(index, client_criteria(both)) == (1, ["a"])


def test_leap_day_birthdays_are_listed_on_28_february_in_other_years() -> None:
    index = loaded(
        card("leap", "Ana", "Alba", birth_md="02-29"),
        card("feb28", "Bruno", "Bravo", birth_md="02-28"),
        card("mar1", "Carla", "Cruz", birth_md="03-01"),
        card("none", "Dario", "Diaz"),
    )

    def on(day: date) -> tuple[int, list[str]]:
        return ids(index, client_criteria(ClientFilter(birthday_on=day)))

    assert on(date(2025, 2, 28)) == (2, ["leap", "feb28"])
    assert on(date(2024, 2, 28)) == (1, ["feb28"])
    assert on(date(2024, 2, 29)) == (1, ["leap"])
    assert on(date(2100, 2, 28)) == (2, ["leap", "feb28"])  # 2100 is not a leap year
    assert on(date(2025, 3, 1)) == (1, ["mar1"])


def test_birthdays_this_month_follow_the_studios_date() -> None:
    index = loaded(
        card("leap", "Ana", "Alba", birth_md="02-29"),
        card("feb1", "Bruno", "Bravo", birth_md="02-01"),
        card("mar1", "Carla", "Cruz", birth_md="03-01"),
        card("none", "Dario", "Diaz"),
    )

    def month(today: date | None, **more: Any) -> tuple[int, list[str]]:
        chosen = ClientFilter(birthday_this_month=True, **more)
        return ids(index, client_criteria(chosen, today))

    assert month(date(2025, 2, 10)) == (2, ["leap", "feb1"])  # the 29th counts every year
    assert month(date(2025, 3, 31)) == (1, ["mar1"])
    assert month(date(2025, 2, 10), birthday_on=date(2025, 2, 1)) == (1, ["feb1"])
    assert month(date(2025, 2, 10), birthday_on=date(2025, 3, 1)) == (0, [])
    off = client_criteria(ClientFilter(birthday_this_month=False), date(2025, 2, 10))
    assert off.birth_days is None
    assert mongo_filter(client_criteria(ClientFilter(birthday_this_month=True), date(2025, 4, 2)))[
        "birth_md"
    ] == {"$in": [f"04-{d:02d}" for d in range(1, 31)]}


def test_a_card_without_points_counts_as_zero() -> None:
    no_points = card("none", "Ana", "Alba")
    del no_points["points"]
    index = loaded(no_points, card("zero", "Bruno", "Bravo"), card("some", "Carla", "Cruz"))
    index.points(T, "some", 50, T0)

    def between(low: int | None, high: int | None) -> list[str]:
        return ids(index, client_criteria(ClientFilter(min_points=low, max_points=high)))[1]

    assert between(None, 0) == ["none", "zero"]
    assert between(0, None) == ["none", "zero", "some"]
    assert between(1, None) == ["some"]
    assert between(-5, 10) == ["none", "zero"]
    assert between(50, 50) == ["some"]
    assert between(51, None) == []


def test_pages_follow_the_cursor_in_name_then_id_order() -> None:
    index = loaded(
        card("c2", "Ana", "Alba"),
        card("c1", "Ana", "Alba"),  # same name: the id decides
        card("c3", "Bruno", "Bravo"),
        card("c4", "Carla", "Cruz", status="LEAD"),
        card("c5", "Dario", "Diaz"),
    )
    every = Criteria()
    assert index.search(T, every, after=None, limit=2) == (5, ["c1", "c2"])
    assert index.search(T, every, after=("alba ana", "c2"), limit=2) == (5, ["c3", "c4"])
    assert index.search(T, every, after=("cruz carla", "c4"), limit=2) == (5, ["c5"])
    assert index.search(T, every, after=("diaz dario", "c5"), limit=2) == (5, [])
    active = Criteria(statuses=frozenset({"ACTIVE"}))
    assert index.search(T, active, after=("alba ana", "c1"), limit=2) == (4, ["c2", "c3"])
    assert index.search(T, active, after=("bravo bruno", "c3"), limit=2) == (4, ["c5"])
    # A cursor of a card that no longer exists still places the page by its key.
    assert index.search(T, every, after=("b", "zzz"), limit=1) == (5, ["c3"])


def test_pages_backward_from_the_end_or_before_a_cursor() -> None:
    index = loaded(
        card("c1", "Ana", "Alba"),
        card("c2", "Ana", "Alba"),
        card("c3", "Bruno", "Bravo"),
        card("c4", "Carla", "Cruz", status="LEAD"),
        card("c5", "Dario", "Diaz"),
    )
    every, active = Criteria(), Criteria(statuses=frozenset({"ACTIVE"}))

    def back(criteria: Criteria, before: tuple[str, str] | None, limit: int = 2) -> list[str]:
        return index.search(T, criteria, after=None, before=before, limit=limit, from_end=True)[1]

    assert back(every, None) == ["c4", "c5"]
    assert back(every, ("cruz carla", "c4")) == ["c2", "c3"]
    assert back(every, ("alba ana", "c2")) == ["c1"]
    assert back(every, ("alba ana", "c1")) == []
    assert back(active, None) == ["c3", "c5"]
    assert back(active, ("bravo bruno", "c3")) == ["c1", "c2"]
    # Between two cursors, and a cursor of a card that has gone.
    between = index.search(
        T, every, after=("alba ana", "c1"), before=("diaz dario", "c5"), limit=5, from_end=True
    )
    assert between == (5, ["c2", "c3", "c4"])
    assert back(every, ("c", "zzz"), limit=1) == ["c3"]


def test_tenants_are_kept_apart() -> None:
    index = loaded(card("a", "Ana", "Alba"))
    index.card("t2", card("b", "Bruno", "Bravo"))
    assert ids(index, Criteria()) == (1, ["a"])
    assert ids(index, Criteria(), tenant="t2") == (1, ["b"])
    assert ids(index, Criteria(), tenant="never-seen") == (0, [])


def test_a_renamed_card_moves_to_its_new_place() -> None:
    index = loaded(card("a", "Ana", "Alba"), card("b", "Bruno", "Bravo"))
    index.card(T, card("a", "Ana", "Zapata"))
    assert ids(index, Criteria()) == (2, ["b", "a"])
    assert ids(index, Criteria(words=("alba",))) == (0, [])
    assert ids(index, Criteria(words=("zapata",))) == (1, ["a"])


def test_points_newer_wins_whatever_the_order() -> None:
    index = loaded(card("b", "Bruno", "Bravo"))
    index.points(T, "b", 40, T0)
    index.points(T, "b", 15, T0 + timedelta(minutes=4))
    index.points(T, "b", 999, T0 + timedelta(minutes=1))  # late and older: ignored
    assert ids(index, Criteria(max_points=20)) == (1, ["b"])
    # A card document read before the last event (it holds 40): the event's 15 stays.
    index.card(T, card("b", "Bruno", "Bravo", points=40, points_at=T0))
    assert ids(index, Criteria(max_points=20)) == (1, ["b"])
    # A new card's 0 (no time) never overwrites a known balance.
    index.card(T, card("b", "Bruno", "Bravo"))
    assert ids(index, Criteria(max_points=20)) == (1, ["b"])
    # A newer document wins over the events seen so far.
    index.card(T, card("b", "Bruno", "Bravo", points=70, points_at=T0 + timedelta(minutes=9)))
    assert ids(index, Criteria(min_points=70, max_points=70)) == (1, ["b"])


def test_event_times_compare_as_stored_in_milliseconds() -> None:
    index = loaded(card("b", "Bruno", "Bravo"))
    index.points(T, "b", 10, T0 + timedelta(microseconds=900))
    # The card document stores the same instant truncated: the same balance, not older.
    index.card(T, card("b", "Bruno", "Bravo", points=20, points_at=T0))
    assert ids(index, Criteria(min_points=20)) == (1, ["b"])


def test_ranks_newer_wins_per_category() -> None:
    index = loaded(card("a", "Ana", "Alba"), card("c", "Carla", "Cruz"))
    index.rank(T, "a", "belts", "white", T0)
    index.rank(T, "a", "belts", "yellow", T0 + timedelta(minutes=2))
    index.rank(T, "a", "belts", "white", T0 + timedelta(minutes=1))  # late: ignored
    index.rank(T, "a", "kata", "blue", T0)
    index.rank(T, "c", "kata", "yellow", T0)
    assert ids(index, Criteria(rank_id="yellow")) == (2, ["a", "c"])
    assert ids(index, Criteria(rank_id="white")) == (0, [])
    assert ids(index, Criteria(rank_id="blue")) == (1, ["a"])
    # A document that read the cards before the promotion does not undo it, and adds a
    # category it knew first.
    stale = card(
        "a",
        "Ana",
        "Alba",
        ranks_held={
            "belts": {"rank_id": "white", "at": T0},
            "stripes": {"rank_id": "two", "at": T0},
        },
        rank_ids=["two", "white"],
    )
    index.card(T, stale)
    assert ids(index, Criteria(rank_id="yellow")) == (2, ["a", "c"])
    assert ids(index, Criteria(rank_id="two")) == (1, ["a"])


def test_events_before_the_card_are_kept_until_it_arrives() -> None:
    index = SearchIndex()
    index.points(T, "a", 120, T0)
    index.rank(T, "a", "belts", "yellow", T0)
    assert ids(index, Criteria()) == (0, [])
    index.card(T, card("a", "Ana", "Alba"))  # created with 0 points, no time
    assert ids(index, Criteria(min_points=100, rank_id="yellow")) == (1, ["a"])


def test_an_erased_card_is_gone_for_good() -> None:
    index = loaded(card("a", "Ana", "Alba"), card("b", "Bruno", "Bravo"))
    index.card(T, {"id": "a", "erased": True, "status": "ARCHIVED"})
    assert ids(index, Criteria()) == (1, ["b"])
    # A document read before the erasure, or a late event, does not bring it back.
    index.card(T, card("a", "Ana", "Alba"))
    index.points(T, "a", 10, T0)
    assert ids(index, Criteria()) == (1, ["b"])
    assert index.size == 1


def test_a_load_appends_and_sorts_once_and_accepts_writes_meanwhile() -> None:
    index = SearchIndex()
    index.begin_load()
    for n in reversed(range(5)):
        index.card(T, card(f"c{n}", "Ana", f"Name{n}"))
    index.card(T, card("c2", "Ana", "Name9"))  # a write during the load
    index.card(T, {"id": "c3", "erased": True})
    index.finish_load()
    assert ids(index, Criteria()) == (4, ["c0", "c1", "c4", "c2"])
    index.card(T, card("c5", "Ana", "Name0"))
    assert ids(index, Criteria())[1][:2] == ["c0", "c5"]


def test_writes_of_this_process_reach_the_served_index() -> None:
    index = SearchIndex()
    search_index.card_written("clients", T, card("a", "Ana", "Alba"))  # nobody serves yet
    search_index.serve("clients", index)
    try:
        search_index.card_written("clients", T, card("b", "Bruno", "Bravo"))
        search_index.card_written("clients", T, None)  # a guarded update that did nothing
        search_index.card_written("other", T, card("c", "Carla", "Cruz"))
        assert search_index.serving("clients") is index
        assert ids(index, Criteria()) == (1, ["b"])
    finally:
        search_index.serve("clients", None)
    assert search_index.serving("clients") is None


# ---------------------------------------------------------------------- same as MongoDB
STATUSES = ["LEAD", "ACTIVE", "INACTIVE", "ARCHIVED"]
DAYS = ["02-28", "02-29", "03-01", "12-31"]
RANKS = ["white", "yellow", "blue"]

cards = st.lists(
    st.fixed_dictionaries(
        {
            "last": st.sampled_from(["Alba", "Bravo", "Cruz"]),
            "status": st.sampled_from(STATUSES),
            "preferred_branch_id": st.sampled_from([None, "north", "south"]),
            "birth_md": st.sampled_from([None, *DAYS]),
            "rank_ids": st.lists(st.sampled_from(RANKS), max_size=2, unique=True),
            "points": st.one_of(st.none(), st.integers(-20, 200)),  # None: field missing
            "erased": st.booleans(),
        }
    ),
    max_size=12,
)
filters = st.builds(
    ClientFilter,
    status=st.one_of(
        st.none(), st.lists(st.sampled_from(list(ClientStatus)), max_size=2, unique=True)
    ),
    branch_id=st.sampled_from([None, "north", "south"]),
    birthday_on=st.sampled_from(
        [None, date(2025, 2, 28), date(2024, 2, 28), date(2024, 2, 29), date(2025, 3, 1)]
    ),
    rank_id=st.sampled_from([None, *RANKS]),
    min_points=st.one_of(st.none(), st.integers(-10, 150)),
    max_points=st.one_of(st.none(), st.integers(150, 250)),
)


@settings(max_examples=300, deadline=None)
@given(cards, filters)
def test_the_index_answers_what_the_database_query_selects(
    drawn: list[dict[str, Any]], wanted: ClientFilter
) -> None:
    docs = []
    for n, fields in enumerate(drawn):
        doc = card(f"c{n:02d}", "Ana", fields.pop("last"), **fields)
        if doc["points"] is None:
            del doc["points"]
        if doc["erased"]:
            doc = {"id": doc["id"], "erased": True, "status": "ARCHIVED"}
        docs.append(doc)
    index = SearchIndex()
    for doc in docs:
        held = {f"cat-{r}": {"rank_id": r, "at": T0} for r in doc.get("rank_ids", [])}
        index.card(T, {**doc, "ranks_held": held})
    selected = sorted(
        (doc["sort_name"], doc["id"])
        for doc in docs
        if matches(doc, mongo_filter(client_criteria(wanted)))
    )
    assert ids(index, client_criteria(wanted)) == (len(selected), [i for _, i in selected])


AWKWARD = [
    ("Ana", "Null\x00Byte"),
    ("Ana", "Null"),
    ("O'Brien", 'Say "Hi"'),
    ("Zoë 🥋", "Emoji"),
    ("Evil", "\u202egnp.exe"),
    ("Back", "Slash\\n"),
    ("Pipe", "a|b"),
    ("Twin", "Same"),
    ("Twin", "Same"),
    ("Ünï", "Çödé"),
]


def test_paging_with_cursors_visits_every_awkward_name_once() -> None:
    """A cursor is the exact position `(sort name, id)`: no character of a name (a NUL,
    which split the old `name\\0id` cursor, quotes, emoji, bidi controls) moves it."""
    index = loaded(*(card(f"c{n}", first, last) for n, (first, last) in enumerate(AWKWARD)))
    every = client_criteria(ClientFilter())
    for size in (1, 2, 3):
        seen: list[str] = []
        cursor: str | None = None
        while True:
            position = decode_position(cursor, 2)
            after = (position[0], position[1]) if position else None
            _, page = index.search(T, every, after=after, limit=size)
            if not page:
                break
            seen += page
            last = index_doc(page[-1])
            cursor = encode_position(last["sort_name"], last["id"])
        assert sorted(seen) == sorted(f"c{n}" for n in range(len(AWKWARD))), size
        assert len(seen) == len(set(seen)), size


def index_doc(client_id: str) -> dict[str, Any]:
    [(first, last)] = [AWKWARD[int(client_id[1:])]]
    return card(client_id, first, last)
