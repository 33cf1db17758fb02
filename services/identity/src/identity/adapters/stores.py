"""What identity keeps behind the storage port (docs/storage.md).

People, their logins and their sessions belong to no studio: they live under the tenant
`*` (as ranks' list of studios does). Invitations and the audit trail belong to the
studio they concern; failures of an unknown address go to the trail under `*`.

| kind | tenant | key | state |
|---|---|---|---|
| `people` | `*` | person id | `Person` |
| `logins` | `*` | e-mail address | `{person}`: created by the first save, so one address is one person |
| `sessions` | `*` | session id | `Session` |
| `throttles` | `*` | `account-<e-mail>`, `address-<address>` | `Failures` |
| `invitations` | studio | invitation id | `Invitation` |
| `audit` | studio or `*` | time-ordered id | one entry (`at`, `action`, `person`, `email`, `address`, `detail`) |
| `codes` | `*` | challenge id | `OneTimeCode`: a client's sign-in code, a reset token, a second-factor challenge |
| `client_logins` | studio | card id | `ClientLogin` |
"""

from __future__ import annotations

import dataclasses
from typing import Any, Generic, TypeVar

from plumbing.mongo import Doc
from plumbing.storage import Aggregates, DocCodec

from identity.domain.client_logins import ClientLogin
from identity.domain.codes import OneTimeCode
from identity.domain.invitations import Invitation
from identity.domain.people import Person
from identity.domain.sessions import Session
from identity.domain.throttle import Failures

EVERYONE = "*"

T = TypeVar("T")


class DataclassCodec(Generic[T]):
    """A flat dataclass of documents' own values (str, int, datetime, dict, list)."""

    def __init__(self, cls: type[T]) -> None:
        self._cls = cls
        self._fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]

    def dump(self, state: T) -> Doc:
        return dataclasses.asdict(state)  # type: ignore[call-overload, no-any-return]

    def load(self, doc: Doc) -> T:
        values: dict[str, Any] = {k: v for k, v in doc.items() if k in self._fields}
        return self._cls(**values)


PEOPLE: Aggregates[Person] = Aggregates("people", DataclassCodec(Person))
LOGINS: Aggregates[Doc] = Aggregates("logins", DocCodec())
SESSIONS: Aggregates[Session] = Aggregates("sessions", DataclassCodec(Session))
THROTTLES: Aggregates[Failures] = Aggregates("throttles", DataclassCodec(Failures))
INVITATIONS: Aggregates[Invitation] = Aggregates("invitations", DataclassCodec(Invitation))
AUDIT: Aggregates[Doc] = Aggregates("audit", DocCodec(), indexed=("at",))

CODES: Aggregates[OneTimeCode] = Aggregates("codes", DataclassCodec(OneTimeCode))
CLIENT_LOGINS: Aggregates[ClientLogin] = Aggregates("client_logins", DataclassCodec(ClientLogin))
# Per studio, the people who were given a role there (`service_layer/staff.py`).
STAFF_ROSTERS: Aggregates[Doc] = Aggregates("staff_rosters", DocCodec())

ALL: list[Aggregates[Any]] = [
    PEOPLE,
    LOGINS,
    SESSIONS,
    THROTTLES,
    INVITATIONS,
    AUDIT,
    CODES,
    CLIENT_LOGINS,
    STAFF_ROSTERS,
]


def address_key(address: str) -> str:
    return "address-" + address.replace(":", "_")
