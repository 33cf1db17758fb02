"""What the use cases of one tenant work with, opened once per request or event, and the
choices made by the storage the service opened (`plumbing.storage.open_storage`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from plumbing.gql import RequestContext
from plumbing.mongo import Doc
from plumbing.storage import ReadModel, Repository, Storage
from plumbing.studio import StudioSettings, studio_settings
from pymongo.asynchronous.database import AsyncDatabase

from ranks.adapters.bucket_roster import BucketRoster
from ranks.adapters.members import CARDS, MembersShown, members_repository, members_shown
from ranks.adapters.mongo_roster import MongoRoster, adopt_buckets, prepare_roster
from ranks.adapters.programs import (
    ProgramStudios,
    adopt_program_studios,
    program_repository,
    program_studios,
)
from ranks.adapters.roster import Roster
from ranks.domain.member import Member
from ranks.domain.program import Program


@dataclass(frozen=True)
class TenantStorage:
    members: Repository[Member]
    # Which clients the clients context announced (client_created) or erased.
    cards: ReadModel
    roster: Roster
    programs: Repository[Program]
    # The studios the seniority job visits (every tenant's, one aggregate).
    studios: Repository[ProgramStudios]
    # The members a report page shows.
    shown: MembersShown
    # The studio's settings (time zone, language), remembered for a few seconds.
    settings: Callable[[], Awaitable[StudioSettings]]


def roster_for(storage: Storage, db: AsyncDatabase[Doc], tenant: str) -> Roster:
    """Indexed queries on MongoDB; the bucket documents on the local FerretDB."""
    if storage.kind == "mongodb":
        return MongoRoster(db, tenant)
    return BucketRoster(db, tenant)


def tenant_storage(storage: Storage, db: AsyncDatabase[Doc], tenant: str) -> TenantStorage:
    return TenantStorage(
        members=members_repository(storage, db, tenant),
        cards=storage.read_model(CARDS, tenant),
        roster=roster_for(storage, db, tenant),
        programs=program_repository(storage, db, tenant),
        studios=program_studios(storage),
        shown=members_shown(storage, db, tenant),
        settings=lambda: studio_settings(db, tenant),
    )


def request_storage(ctx: RequestContext) -> TenantStorage:
    """The storage of a GraphQL request's tenant, opened once per request."""
    if "storage" not in ctx.cache:
        if ctx.storage is None:  # pragma: no cover - wiring error
            raise RuntimeError("the request context was built without storage")
        ctx.cache["storage"] = tenant_storage(ctx.storage, ctx.db, ctx.tenant)
    found: TenantStorage = ctx.cache["storage"]
    return found


async def prepare(storage: Storage, db: AsyncDatabase[Doc]) -> None:
    """At start, after `open_storage`: the roster's indexes and its earlier rows on
    MongoDB, and the studios with their program on from the earlier documents."""
    if storage.kind == "mongodb":
        await prepare_roster(db)
        await adopt_buckets(db)
    await adopt_program_studios(storage, db)
