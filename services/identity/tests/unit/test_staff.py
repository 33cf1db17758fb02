"""A studio's staff (assignee pickers) and the names of a person's studios, on the
in-memory storage."""

from __future__ import annotations

from datetime import UTC, datetime

from identity.adapters.stores import EVERYONE, PEOPLE, STAFF_ROSTERS
from identity.domain.people import Person
from identity.service_layer import invitations, staff
from identity.testing import FakeCards, new_identity
from plumbing.storage import Loaded, Save, change

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


async def test_the_staff_of_a_studio_are_those_given_a_role_there() -> None:
    identity = new_identity()
    owner = await invitations.add_person(
        identity, email="olga@studio.test", password=PASSWORD, name="Olga", language="es",
        studio="north", role="OWNER", now=NOW,
    )  # fmt: skip
    await invitations.add_person(
        identity, email="sam@studio.test", password=PASSWORD, name="Sam", language="en",
        studio="south", role="ADMIN", now=NOW,
    )  # fmt: skip
    invited = await invitations.invite(
        identity, studio="north", inviter=owner.id, inviter_role="OWNER",
        email="ivan@studio.test", role="OPERATOR", now=NOW,
    )  # fmt: skip
    await invitations.accept(
        identity, code=invited.code, password=PASSWORD, name="ivan", language="en", now=NOW
    )
    north = await staff.staff_of(identity, "north")
    assert [(m.name, m.email, m.role) for m in north] == [
        ("ivan", "ivan@studio.test", "OPERATOR"),
        ("Olga", "olga@studio.test", "OWNER"),
    ]
    assert [m.name for m in await staff.staff_of(identity, "south")] == ["Sam"]
    assert await staff.staff_of(identity, "nowhere") == []

    # A role taken away since: the person is no longer listed.
    people = identity.storage.repository(PEOPLE, EVERYONE)

    def leave(current: Loaded[Person]) -> Save[Person, None]:
        assert current.state is not None
        current.state.memberships.pop("north")
        return Save(current.state, None)

    await change(people, owner.id, leave)
    assert [m.name for m in await staff.staff_of(identity, "north")] == ["ivan"]


async def test_a_roster_never_written_is_built_once_from_the_people() -> None:
    identity = new_identity()
    people = identity.storage.repository(PEOPLE, EVERYONE)
    earlier = Person("p-1", "ana@studio.test", "Ana", "es", "hash", {"north": "ADMIN"})
    await people.save(await people.load("p-1"), earlier)  # joined before rosters existed
    assert [m.id for m in await staff.staff_of(identity, "north")] == ["p-1"]
    roster = await identity.storage.repository(STAFF_ROSTERS, "north").load(staff.ROSTER)
    assert roster.state == {"people": ["p-1"]}


async def test_studio_names_come_from_the_clients_service_and_may_be_unknown() -> None:
    identity = new_identity(cards=FakeCards(studios={"north": "Dojo Norte"}))
    assert await staff.studio_names(identity, ["north", "south"]) == {
        "north": "Dojo Norte",
        "south": None,
    }
