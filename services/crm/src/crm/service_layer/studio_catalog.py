"""The studio's services and professionals as its partner's facts name them: every
session reported (`SessionScheduled`, new or corrected) names its service (id and name)
and, when it has one, its professional (id and name). crm keeps them in one document of
the `facts` read model (`catalog`), for the console's pickers (`services`,
`professionals`).

A name reported once stays until a later session reports another; a session without a
name keeps the one known. On the local FerretDB two consumers writing the document at
the same moment may lose one of the two writes (docs/storage.md, read models): the
entry comes back with that service's or professional's next session."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing.storage import Delta

from crm.domain import rules
from crm.events import SessionScheduled
from crm.service_layer.ports import Doc, ReadModels
from crm.service_layer.projection import Projection

CATALOG = "catalog"


@dataclass(frozen=True)
class Named:
    id: str
    name: str | None


def learned(data: SessionScheduled) -> Delta:
    """What one session teaches: its service and professional, with names when given."""
    sets: Doc = {}
    for kind, entry_id, name in (
        ("services", data.service_id, data.service_name),
        ("professionals", data.professional_id, data.professional_name),
    ):
        if not entry_id:
            continue
        path = f"{kind}.{rules.safe_key(entry_id)}"
        sets[f"{path}.id"] = entry_id
        if name and name.strip():
            sets[f"{path}.name"] = " ".join(name.split())
    return Delta(set=sets)


async def learn(p: Projection, data: SessionScheduled) -> None:
    await p.views.facts.apply_once(CATALOG, p.guard("catalog"), learned(data))


async def named(views: ReadModels, kind: str) -> list[Named]:
    """The services or professionals known, by name (those without one last, by id)."""
    doc = await views.facts.get(CATALOG) or {}
    entries = [
        Named(str(e["id"]), e.get("name"))
        for e in (doc.get(kind) or {}).values()
        if isinstance(e, dict) and e.get("id")
    ]
    return sorted(entries, key=lambda e: (e.name is None, (e.name or "").casefold(), e.id))
