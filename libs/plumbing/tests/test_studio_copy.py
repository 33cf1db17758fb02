"""Each service's copy of the studio settings (`plumbing.studio`), on the real FerretDB:
the branches travel with `clients.studio_updated`, and a copy kept from an event without
them says it does not know them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plumbing.envelope import Envelope
from plumbing.mongo import Doc
from plumbing.readers import STUDIO_UPDATED
from plumbing.studio import remember_studio, studio_settings
from pymongo.asynchronous.database import AsyncDatabase

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _studio_updated(at: datetime, **extra: object) -> Envelope:
    data = {"name": "Yoga Sol", "time_zone": "Europe/Madrid", "currency": "EUR"}
    return Envelope(
        type=STUDIO_UPDATED,
        source="tests",
        tenant="t1",
        time=at,
        data={**data, "language": "es", **extra},
    )


async def test_the_copy_keeps_the_studio_branches(db: AsyncDatabase[Doc]) -> None:
    await remember_studio(db, _studio_updated(T0, branch_ids=["centro", "norte"]))

    assert (await studio_settings(db, "t1")).branch_ids == ("centro", "norte")


async def test_a_copy_from_an_event_without_branches_does_not_know_them(
    db: AsyncDatabase[Doc],
) -> None:
    await remember_studio(db, _studio_updated(T0))
    assert (await studio_settings(db, "t1")).branch_ids is None

    await remember_studio(db, _studio_updated(T0 + timedelta(seconds=1), branch_ids=[]))
    assert (await studio_settings(db, "t1")).branch_ids == ()
