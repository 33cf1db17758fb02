"""Points the automations grant (L7): invite and earn, every N visits, birthdays. Each
grant carries a key (`referral:…`, `visits:…`, `birthday:…`), so it is granted once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from plumbing.ids import new_id
from plumbing.mongo import Doc

from loyalty.adapters.accounts import AccountState
from loyalty.adapters.automations import as_date
from loyalty.adapters.tenant_storage import TenantStores
from loyalty.domain.earning import Program
from loyalty.domain.ledger import Entry
from loyalty.service_layer.account_changes import Decide, change_one


def referral_grant(automation: Doc, program: Program, referred: str, at: datetime) -> Decide:
    def decide(loaded: AccountState) -> list[Entry]:
        return loaded.account.grant(
            entry_id=new_id(),
            points=int(automation["points"]),
            point_value=program.point_value,
            at=at,
            expires_at=at + timedelta(days=int(automation["expiry_days"])),
            key=f"referral:{automation['id']}:{referred}",
            source_type="REFERRAL_FIRST_PURCHASE",
            source_id=referred,
            source_name="referral",
        )

    return decide


async def referral(stores: TenantStores, referrer: str, referred: str, at: datetime) -> None:
    """L7 invite and earn: the referrer earns when the referred client first buys."""
    program = await stores.programs.current()
    for automation in await stores.active_automations("REFERRAL_FIRST_PURCHASE"):
        await change_one(stores, referrer, referral_grant(automation, program, referred, at))


def visit_grants(automations: list[Doc], program: Program, key: str, at: datetime) -> Decide:
    """Count the visit (once per key) and grant what every N visits earn."""

    def decide(loaded: AccountState) -> list[Entry]:
        count = loaded.account.record_visit(key)
        made: list[Entry] = []
        if count is None:
            return made
        for a in automations:
            every = int(a.get("visit_count") or 0)
            if every > 0 and count % every == 0:
                made += loaded.account.grant(
                    entry_id=new_id(),
                    points=int(a["points"]),
                    point_value=program.point_value,
                    at=at,
                    expires_at=at + timedelta(days=int(a["expiry_days"])),
                    key=f"visits:{a['id']}:{count}",
                    source_type="VISIT_COUNT",
                    source_id=str(a["id"]),
                    source_name=f"{count} visits",
                )
        return made

    return decide


async def visit_recorded(
    stores: TenantStores, client_id: str, key: str, at: datetime
) -> list[Entry]:
    automations = await stores.active_automations("VISIT_COUNT")
    if not automations:
        return []  # visits count towards automations from the first one created on
    program = await stores.programs.current()
    decide = visit_grants(automations, program, key, at)
    return (await change_one(stores, client_id, decide)).entries


def birthday_on(birth: date, today: date) -> bool:
    if (birth.month, birth.day) == (today.month, today.day):
        return True
    # 29 February birthdays are kept on 28 February in common years.
    leap = today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0)
    return (birth.month, birth.day) == (2, 29) and not leap and (today.month, today.day) == (2, 28)


def birthday_grants(automations: list[Doc], program: Program, as_of: datetime, year: int) -> Decide:
    def decide(loaded: AccountState) -> list[Entry]:
        made: list[Entry] = []
        for a in automations:
            made += loaded.account.grant(
                entry_id=new_id(),
                points=int(a["points"]),
                point_value=program.point_value,
                at=as_of,
                expires_at=as_of + timedelta(days=int(a["expiry_days"])),
                key=f"birthday:{a['id']}:{year}",
                source_type="BIRTHDAY",
                source_id=str(a["id"]),
                source_name="birthday",
            )
        return made

    return decide


async def birthdays(stores: TenantStores, as_of: datetime) -> int:
    """Grant the birthday automations to whoever's birthday it is, once per year."""
    automations = await stores.active_automations("BIRTHDAY")
    if not automations:
        return 0
    today = (await stores.studio()).today(as_of)
    program = await stores.programs.current()
    decide = birthday_grants(automations, program, as_of, today.year)
    granted = 0
    for found in await stores.accounts(history=False).find():
        one = found.state
        birth = None if one is None else as_date(one.profile.get("birth_date"))
        if one is None or one.erased or birth is None or not birthday_on(birth, today):
            continue
        outcome = await change_one(stores, found.key, decide, history=False)
        granted += len(outcome.entries)
    return granted
