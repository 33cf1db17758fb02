"""The handle use cases pass on to the adapters: the service's database, opaque above
them (only the adapters read or write it)."""

from __future__ import annotations

from typing import TypeAlias

from plumbing.mongo import Doc
from pymongo.asynchronous.database import AsyncDatabase

Database: TypeAlias = AsyncDatabase[Doc]
