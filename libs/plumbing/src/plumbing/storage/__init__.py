"""Storage behind one port: use cases load aggregates, decide, and save the new state
with its events through `change`, whatever database runs.

    ACCOUNTS = Aggregates("accounts", AccountCodec(), indexed=("next_expiry",))

    storage = await open_storage(runtime.db, [ACCOUNTS])      # once, at start
    accounts = storage.repository(ACCOUNTS, tenant)           # per request or event
    done = await change(accounts, client_id, decide)           # the only retry loop

`MemoryStorage` is the same port in dictionaries, for use-case tests. docs/storage.md
tells which implementation runs where and how a service moves onto the port.
"""

from plumbing.storage.factory import open_storage, storage_for
from plumbing.storage.memory import MemoryStorage
from plumbing.storage.port import (
    HOLD_LIMIT,
    Aggregates,
    Candidate,
    Change,
    Codec,
    Conflict,
    Delta,
    DocCodec,
    Loaded,
    Many,
    Outgoing,
    ReadModel,
    Relay,
    Repository,
    Storage,
    outgoing,
)
from plumbing.storage.unit_of_work import (
    Decision,
    Done,
    Keep,
    Refuse,
    Save,
    TooManyConflicts,
    change,
)

__all__ = [
    "HOLD_LIMIT",
    "Aggregates",
    "Candidate",
    "Change",
    "Codec",
    "Conflict",
    "Decision",
    "Delta",
    "DocCodec",
    "Done",
    "Keep",
    "Loaded",
    "Many",
    "MemoryStorage",
    "Outgoing",
    "ReadModel",
    "Refuse",
    "Relay",
    "Repository",
    "Save",
    "Storage",
    "TooManyConflicts",
    "change",
    "open_storage",
    "outgoing",
    "storage_for",
]
