"""The loyalty stores on a scratch database of the local FerretDB, as the service opens
them (`open_storage` picks the implementation)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from loyalty.adapters.accounts import ACCOUNTS
from loyalty.adapters.programs import PROGRAM_VERSIONS
from loyalty.adapters.tenant_storage import LoyaltyStores
from plumbing.storage import Storage, open_storage
from plumbing.testing import scratch_database


@pytest.fixture
async def stores() -> AsyncIterator[LoyaltyStores]:
    async with scratch_database("loyalty_batches") as scratch:
        storage: Storage = await open_storage(scratch, [ACCOUNTS, PROGRAM_VERSIONS])
        yield LoyaltyStores(storage, scratch)
