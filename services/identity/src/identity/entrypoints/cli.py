"""`identity-service api|all|sdl`, and `identity-service add-person` for a studio's first
owner and the demo studio's users (`--email --password --studio --role [--name]`)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from plumbing.clock import SystemClock
from plumbing.mongo import create_client
from plumbing.runner import main as run
from plumbing.storage import open_storage

from identity.adapters import keys
from identity.adapters.stores import ALL
from identity.config import Settings
from identity.domain.people import IdentityRefused
from identity.entrypoints.service import definition
from identity.service_layer.invitations import add_person
from identity.service_layer.ports import Identity


async def _add_person(settings: Settings, args: argparse.Namespace) -> str:
    mongo = create_client(settings.mongo_url)
    try:
        storage = await open_storage(mongo[settings.mongo_db], ALL)
        identity = Identity(storage, keys.generated(), settings.identity_issuer, 0)
        person = await add_person(
            identity,
            email=args.email,
            password=args.password,
            name=args.name or args.email,
            language=args.language,
            studio=args.studio,
            role=args.role,
            now=SystemClock().now(),
        )
        return person.id
    finally:
        await mongo.close()


def main() -> None:
    settings = Settings()
    if sys.argv[1:2] == ["add-person"]:
        parser = argparse.ArgumentParser(prog="identity-service add-person")
        for name in ("--email", "--password", "--studio"):
            parser.add_argument(name, required=True)
        parser.add_argument("--role", choices=["OWNER", "ADMIN", "OPERATOR"], default="OWNER")
        parser.add_argument("--name", default="")
        parser.add_argument("--language", default="en")
        args = parser.parse_args(sys.argv[2:])
        try:
            print(asyncio.run(_add_person(settings, args)))
        except IdentityRefused as exc:
            sys.exit(f"{exc.code}: {exc}")
        return
    run(lambda: definition(settings), settings)
