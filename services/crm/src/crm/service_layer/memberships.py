"""C11: a membership's payment activity and next payment date, as the billing partner
reports them, and staff moving the next payment date ("ajuste la próxima fecha de pago").

Staff's change is recorded with its event (`crm.membership_next_payment_set.v1`, for the
billing partner to follow) and applied by the consumer like every fact: the date staff
set holds until the partner reports the membership again after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from plumbing.storage import Delta

from crm.domain import rules
from crm.events import MembershipNextPaymentSet, catalog
from crm.service_layer.ingest import Outcome, Problem
from crm.service_layer.ports import Doc, ReadModels, RecordedFacts
from crm.service_layer.profile_entries import moment
from crm.service_layer.projection import Projection

# The caller's words, one place (es/it/en come with the platform's messages).
MESSAGES = {
    "UNKNOWN_CLIENT": "unknown client {client_id!r}",
    "UNKNOWN_MEMBERSHIP": "the client has no membership {membership_id!r}",
    "PAST_DATE": "the next payment date {on} is before today ({today})",
    "TOO_LONG": "a note holds at most 500 characters",
}


@dataclass(frozen=True)
class SetNextPayment:
    client_id: str
    membership_id: str
    next_payment_on: date
    set_by: str | None
    now: datetime
    today: date  # the studio's today
    note: str | None = None


def _refused(code: str, field: str, **values: object) -> Outcome:
    return Outcome(problems=[Problem(MESSAGES[code].format(**values), code, (field,))])


async def set_next_payment(
    views: ReadModels, recorded: RecordedFacts, cmd: SetNextPayment
) -> Outcome:
    profile = await views.profiles.get(cmd.client_id)
    if profile is None:
        return _refused("UNKNOWN_CLIENT", "clientId", client_id=cmd.client_id)
    current = (profile.get("memberships") or {}).get(rules.safe_key(cmd.membership_id))
    if current is None:
        return _refused("UNKNOWN_MEMBERSHIP", "membershipId", membership_id=cmd.membership_id)
    if cmd.next_payment_on < cmd.today:
        return _refused("PAST_DATE", "nextPaymentOn", on=cmd.next_payment_on, today=cmd.today)
    if cmd.note is not None and len(cmd.note) > 500:
        return _refused("TOO_LONG", "note")
    previous = current.get("next_payment_on")
    data = MembershipNextPaymentSet(
        membership_id=cmd.membership_id,
        client_id=cmd.client_id,
        next_payment_on=cmd.next_payment_on,
        previous=date.fromisoformat(str(previous)[:10]) if previous else None,
        set_by=cmd.set_by,
        set_at=cmd.now,
        note=cmd.note,
    )
    envelope = catalog.envelope(data, tenant=views.tenant, subject=cmd.client_id)
    key = f"payday:{cmd.membership_id}:{cmd.now.isoformat()}"
    body = {"type": envelope.type, **data.model_dump(mode="json")}
    saved = await recorded.record(key, [envelope], body)
    return Outcome(accepted=True, event_id=str(saved["event_id"]))


async def next_payment_set(p: Projection, data: MembershipNextPaymentSet) -> None:
    """The consumer's side: staff's date, unless the partner reported after it."""
    profile = await p.views.profiles.get(data.client_id) or {}
    key = rules.safe_key(data.membership_id)
    current = (profile.get("memberships") or {}).get(key)
    if current is None or moment(current["reported_at"]) > data.set_at:
        return
    changes = {
        f"memberships.{key}.next_payment_on": data.next_payment_on.isoformat(),
        f"memberships.{key}.next_payment_set": {"by": data.set_by, "at": data.set_at},
    }
    await p.profile_update(data.client_id, Delta(set=changes))


def kept_adjustment(current: Doc | None, reported_at: datetime) -> Doc:
    """What a partner's report keeps of staff's change: the date staff set after the
    report was made (the partner had not seen it yet)."""
    if current is None or not current.get("next_payment_set"):
        return {}
    adjusted = current["next_payment_set"]
    if moment(adjusted["at"]) <= reported_at:
        return {}
    return {"next_payment_on": current["next_payment_on"], "next_payment_set": adjusted}
