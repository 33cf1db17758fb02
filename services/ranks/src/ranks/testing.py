"""One tenant's storage in memory, for use-case tests (`plumbing.storage.MemoryStorage`
and `MemoryRoster`)."""

from __future__ import annotations

from plumbing.storage import MemoryStorage
from plumbing.studio import StudioSettings

from ranks.adapters.members import CARDS, MEMBERS, LoadedMembers
from ranks.adapters.programs import PROGRAMS, program_studios
from ranks.adapters.roster import MemoryRoster
from ranks.adapters.tenant_storage import TenantStorage


class MemoryTenants:
    """Each tenant's storage on one `MemoryStorage`, its roster kept between calls."""

    def __init__(self, storage: MemoryStorage | None = None, time_zone: str = "UTC") -> None:
        self.storage = storage or MemoryStorage()
        self.rosters: dict[str, MemoryRoster] = {}
        self.time_zone = time_zone

    def __call__(self, tenant: str) -> TenantStorage:
        members = self.storage.repository(MEMBERS, tenant)
        settings = StudioSettings(tenant=tenant, name=tenant, time_zone=self.time_zone)

        async def studio() -> StudioSettings:
            return settings

        return TenantStorage(
            members=members,
            cards=self.storage.read_model(CARDS, tenant),
            roster=self.rosters.setdefault(tenant, MemoryRoster()),
            programs=self.storage.repository(PROGRAMS, tenant),
            studios=program_studios(self.storage),
            shown=LoadedMembers(members),
            settings=studio,
        )
