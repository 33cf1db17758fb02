"""The studio's services and professionals learnt from its sessions, and B10's heat map
for one service or professional, on the read models in memory."""

from __future__ import annotations

from datetime import UTC, date, datetime

from crm.events import SessionScheduled
from crm.service_layer.studio_catalog import Named, named
from crm.service_layer.summary import month_heatmap
from crm.testing import MemoryCrm
from crm.testing_events import booking, card, consume, fact, views
from plumbing.envelope import Envelope


def session(
    session_id: str,
    at: datetime,
    service: tuple[str, str | None],
    pro: tuple[str | None, str | None] = (None, None),
) -> Envelope:
    return fact(
        SessionScheduled(
            session_id=session_id, service_id=service[0], service_name=service[1],
            professional_id=pro[0], professional_name=pro[1], starts_at=at, capacity=10,
        )
    )  # fmt: skip


MON_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Madrid, a Monday
TUE_9 = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
MON_18 = datetime(2026, 3, 9, 17, 0, tzinfo=UTC)  # 18:00 in Madrid
LATE_SUN = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)  # Monday 30th, 00:30 in Madrid (summer)


async def test_services_and_professionals_are_named_by_their_newest_session() -> None:
    crm = MemoryCrm(zone="Europe/Madrid")
    await consume(
        crm,
        session("s1", MON_9, ("yoga", "Yoga"), ("p1", "Lucía Gómez")),
        session("s2", TUE_9, ("pil", None), ("p2", None)),
        session("s3", MON_18, ("yoga", "Yoga suave"), ("p1", None)),
    )
    await consume(crm, session("s3", MON_18, ("yoga", "Yoga suave"), ("p1", None)))  # replayed
    assert await named(views(crm), "services") == [
        Named("yoga", "Yoga suave"),
        Named("pil", None),
    ]
    assert await named(views(crm), "professionals") == [
        Named("p1", "Lucía Gómez"),
        Named("p2", None),
    ]
    assert await named(MemoryCrm().views("other"), "services") == []


async def test_the_heat_map_of_one_service_or_professional_is_the_studios_hours() -> None:
    crm = MemoryCrm(zone="Europe/Madrid")
    await consume(
        crm,
        card("ana"),
        session("s1", MON_9, ("yoga", "Yoga"), ("p1", "Lucía")),
        session("s2", TUE_9, ("pil", "Pilates"), ("p1", "Lucía")),
        session("s3", MON_18, ("yoga", "Yoga"), ("p2", "Marco")),
        session("s4", LATE_SUN, ("yoga", "Yoga"), ("p2", "Marco")),
        booking("b1", "ana", "s1", MON_9),
    )
    march = date(2026, 3, 15)

    async def cells(service: str | None, pro: str | None) -> list[tuple[int, int, int, int]]:
        found = await month_heatmap(views(crm), march, None, service, pro)
        return [(c.weekday, c.hour, c.offered, c.booked) for c in found]

    assert await cells("yoga", None) == [(1, 0, 10, 0), (1, 9, 10, 1), (1, 18, 10, 0)]
    assert await cells(None, "p1") == [(1, 9, 10, 1), (2, 9, 10, 0)]
    assert await cells("yoga", "p2") == [(1, 0, 10, 0), (1, 18, 10, 0)]
    assert await cells("pil", "p2") == []
    everything = await cells(None, None)
    assert [(d, h) for d, h, _, _ in everything] == [(1, 0), (1, 9), (1, 18), (2, 9)]
    assert await month_heatmap(views(crm), date(2026, 4, 1), None, "yoga", None) == []
