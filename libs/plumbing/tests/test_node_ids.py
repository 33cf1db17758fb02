"""Global ids (docs/contract.md): opaque, URL-safe, one spelling per object, and
never mistaken for an existing id."""

from __future__ import annotations

import re

import pytest
from plumbing.ids import new_id
from plumbing.node_ids import global_id, key_of, parse_global_id


def test_a_global_id_names_its_type_and_key_and_reads_back() -> None:
    made = global_id("ClientRank", "0190c3a1", "judo")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", made)
    assert made == global_id("ClientRank", "0190c3a1", "judo")  # stable
    assert parse_global_id(made) == ("ClientRank", ("0190c3a1", "judo"))
    assert key_of(made, "ClientRank", 2) == ("0190c3a1", "judo")
    assert key_of(made, "ClientRank", 1) is None
    assert key_of(made, "LoyaltyAccount", 2) is None


def test_no_character_of_a_key_breaks_the_format() -> None:
    awkward = ("a:b", "%3A", "", "ü/\\x00?&=", "studio one")
    made = global_id("CrmSummary", *awkward)
    assert parse_global_id(made) == ("CrmSummary", awkward)
    assert global_id("CrmSummary", "a:b") != global_id("CrmSummary", "a", "b")


@pytest.mark.parametrize(
    "value",
    [new_id(), "no-such-id", "", "=" * 4, "Zm9v", global_id("Client", "x") + "A", "!" * 8],
)
def test_an_existing_id_or_garbage_is_not_a_global_id(value: str) -> None:
    assert parse_global_id(value) is None


def test_a_type_name_must_be_a_graphql_type_name() -> None:
    with pytest.raises(ValueError):
        global_id("loyaltyAccount", "x")
    with pytest.raises(ValueError):
        global_id("LoyaltyAccount")
