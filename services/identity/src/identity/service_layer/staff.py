"""A studio's staff: the people given a role there, for the console's assignee pickers,
and the names of the studios a person may switch to.

People live under the tenant `*` (one person, several studios), so a studio's staff is
kept beside them: one `staff_rosters` aggregate per studio listing the people who joined
it (an invitation accepted, a person added by `add-person`). A roster that was never
written (people who joined before rosters existed) is built once, on its first read,
from one scan of the people (`Repository.find`: a job's read, run once per studio). A
person whose role there was taken away since is left out when read."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from plumbing.config_cache import Recent
from plumbing.mongo import Doc
from plumbing.storage import Decision, Keep, Loaded, Save, change

from identity.adapters.stores import EVERYONE, PEOPLE, STAFF_ROSTERS
from identity.domain.people import Person
from identity.service_layer.ports import Identity

ROSTER = "roster"
# Studio names change rarely; a viewer is asked for on every console load.
_names: Recent[str | None] = Recent(seconds=300)


@dataclass(frozen=True)
class StaffMember:
    id: str
    name: str
    email: str
    role: str


def _with(people: list[str], person_id: str) -> Decision[Doc, None]:
    if person_id in people:
        return Keep(None)
    return Save({"people": [*people, person_id]}, None)


async def enrol(identity: Identity, studio: str, person_id: str) -> None:
    """`person_id` works for `studio` now (called once the membership is saved)."""
    rosters = identity.storage.repository(STAFF_ROSTERS, studio)

    def decide(current: Loaded[Doc]) -> Decision[Doc, None]:
        return _with(list((current.state or {}).get("people") or []), person_id)

    await change(rosters, ROSTER, decide)


async def _fill(identity: Identity, studio: str) -> list[str]:
    """The first read of a roster never written: the people with a role there now."""
    everyone = await identity.storage.repository(PEOPLE, EVERYONE).find()
    found = sorted(p.key for p in everyone if p.state is not None and p.state.role_in(studio))
    rosters = identity.storage.repository(STAFF_ROSTERS, studio)

    def decide(current: Loaded[Doc]) -> Decision[Doc, list[str]]:
        if current.state is not None:  # written meanwhile: theirs and ours
            people = list(current.state.get("people") or [])
            merged = [*people, *(p for p in found if p not in people)]
            return Save({"people": merged}, merged) if merged != people else Keep(people)
        return Save({"people": found}, found)

    return (await change(rosters, ROSTER, decide)).result


async def staff_of(identity: Identity, studio: str) -> list[StaffMember]:
    """The studio's staff by name, each with their role there."""
    loaded = await identity.storage.repository(STAFF_ROSTERS, studio).load(ROSTER)
    ids = list(loaded.state.get("people") or []) if loaded.state else await _fill(identity, studio)
    people = identity.storage.repository(PEOPLE, EVERYONE)
    found = await asyncio.gather(*(people.load(i) for i in ids))
    members = [
        StaffMember(p.id, p.name, p.email, role)
        for p in (f.state for f in found)
        if isinstance(p, Person) and (role := p.role_in(studio))
    ]
    return sorted(members, key=lambda m: (m.name.casefold(), m.id))


async def studio_names(identity: Identity, studios: list[str]) -> dict[str, str | None]:
    """Each studio's name as the clients service knows it (None when it cannot say)."""

    async def one(studio: str) -> str | None:
        key = (id(identity), studio)
        name = await _names.get(key, lambda: identity.cards.studio_name(studio))
        if name is None:
            _names.drop(key)  # not known now (the service down?): ask again next time
        return name

    names = await asyncio.gather(*(one(s) for s in studios))
    return dict(zip(studios, names, strict=True))
