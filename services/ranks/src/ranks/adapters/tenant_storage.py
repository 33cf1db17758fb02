"""What the use cases of one tenant work with, opened once per request or event."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing.mongo import Doc
from plumbing.storage import ReadModel, Repository, Storage
from pymongo.asynchronous.database import AsyncDatabase

from ranks.adapters.members import CARDS, members_repository
from ranks.adapters.programs import ProgramDocuments
from ranks.adapters.roster import BucketRoster, Roster
from ranks.domain.member import Member


@dataclass(frozen=True)
class TenantStorage:
    members: Repository[Member]
    # Which clients the clients context announced (client_created) or erased.
    cards: ReadModel
    roster: Roster
    programs: ProgramDocuments


def tenant_storage(storage: Storage, db: AsyncDatabase[Doc], tenant: str) -> TenantStorage:
    return TenantStorage(
        members=members_repository(storage, db, tenant),
        cards=storage.read_model(CARDS, tenant),
        roster=BucketRoster(db, tenant),
        programs=ProgramDocuments(db, tenant),
    )
