"""`loyalty-service api|consumer|relay|all|sdl`, and `loyalty-service fold-chains`: the
one-off move of a MongoDB database's account and program chains into the layout the
storage port keeps on MongoDB (docs/storage.md, "loyalty")."""

from __future__ import annotations

import asyncio
import sys

from plumbing.mongo import backend, create_client, detect_backend
from plumbing.runner import main as run
from plumbing.storage.mongodb import fold_chains

from loyalty.adapters.accounts import ACCOUNTS
from loyalty.adapters.programs import PROGRAM_VERSIONS
from loyalty.config import Settings
from loyalty.entrypoints.service import definition


def main() -> None:
    if sys.argv[1:2] == ["fold-chains"]:
        asyncio.run(fold(Settings()))
        return
    run(definition, Settings())


async def fold(settings: Settings) -> None:
    client = create_client(settings.mongo_url)
    try:
        await detect_backend(client)
        if backend.id_only_pushdown:
            print("FerretDB keeps aggregates as chains: nothing to fold")
            return
        db = client[settings.mongo_db]
        for kind in (ACCOUNTS, PROGRAM_VERSIONS):
            moved = await fold_chains(db, kind)
            print(f"{kind.name}: {moved} moved")
    finally:
        await client.close()
