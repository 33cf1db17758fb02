"""Push devices (`registerDevice`): kept per card with a cap, used when a PUSH message is
delivered, dropped by a newer fact that the app is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from notifications.adapters.delivery import Outgoing
from notifications.domain.devices import MAX_DEVICES, DeviceRefused
from notifications.domain.messages import Recipient
from notifications.service_layer.devices import register_device, unregister_device
from notifications.service_layer.dispatch import Deps, write_to_client
from notifications.testing import MemoryNotices
from plumbing.clock import ManualClock

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ANA = Recipient("c1", "Ana", "Ruiz", None, None, "en", {})


class Pushed:
    """A push transport that keeps what it was given."""

    def __init__(self) -> None:
        self.messages: list[Outgoing] = []

    async def send(self, message: Outgoing) -> None:
        self.messages.append(message)


async def test_a_card_keeps_its_newest_devices_and_a_token_again_moves_to_the_end() -> None:
    notices = MemoryNotices()
    for n in range(MAX_DEVICES + 2):
        await register_device(
            notices, "c1", token=f"tok-{n}", platform="IOS", now=T0 + timedelta(minutes=n)
        )
    kept = await notices.devices("c1")
    assert [d.token for d in kept] == [f"tok-{n}" for n in range(2, MAX_DEVICES + 2)]
    later = T0 + timedelta(hours=1)
    again = await register_device(notices, "c1", token=" tok-2 ", platform="ANDROID", now=later)
    assert [(d.token, d.platform) for d in again][-1] == ("tok-2", "ANDROID")
    assert len(again) == MAX_DEVICES and [d.token for d in again].count("tok-2") == 1
    assert await notices.devices("c2") == []  # another card has none of them

    left = await unregister_device(notices, "c1", token="tok-2")
    assert "tok-2" not in [d.token for d in left]
    assert await unregister_device(notices, "c1", token="unknown") == left


@pytest.mark.parametrize(
    ("token", "platform", "code"),
    [
        ("", "IOS", "INVALID_PUSH_TOKEN"),
        ("a b", "IOS", "INVALID_PUSH_TOKEN"),
        ("x" * 4097, "IOS", "INVALID_PUSH_TOKEN"),
        ("tok", "WINDOWS", "INVALID_DATA"),
    ],
)
async def test_a_bad_token_or_platform_is_refused_with_its_code(
    token: str, platform: str, code: str
) -> None:
    notices = MemoryNotices()
    with pytest.raises(DeviceRefused) as refused:
        await register_device(notices, "c1", token=token, platform=platform, now=T0)
    assert refused.value.code == code
    assert await notices.devices("c1") == []


async def test_push_goes_to_the_registered_devices_until_the_app_is_gone() -> None:
    notices = MemoryNotices(recipients={"c1": ANA})
    push = Pushed()
    deps = Deps(
        notices=lambda tenant: notices,
        clock=ManualClock(T0),
        transports={"PUSH": push},
        attempts=1,
        backoff_seconds=0,
    )

    async def ask(event_id: str) -> list[str]:
        return await write_to_client(
            deps,
            tenant="t1",
            trigger_event_id=event_id,
            client_id="c1",
            template_key="points_balance",
            channels=["PUSH"],
        )

    assert await ask("e1") == ["SUPPRESSED"]  # no device, no app fact
    await register_device(notices, "c1", token="ios-1", platform="IOS", now=T0)
    await register_device(notices, "c1", token="and-1", platform="ANDROID", now=T0)
    assert await ask("e2") == ["SENT"]
    assert push.messages[-1].devices == (("ios-1", "IOS"), ("and-1", "ANDROID"))
    assert push.messages[-1].to == "c1"

    # An older logout changes nothing; a newer one drops the devices registered before it.
    await notices.set_app("c1", installed=True, at=T0 - timedelta(hours=2))
    await notices.set_app("c1", installed=False, at=T0 - timedelta(hours=1))
    assert len(await notices.devices("c1")) == 2
    await notices.set_app("c1", installed=False, at=T0 + timedelta(minutes=1))
    assert await notices.devices("c1") == []
    assert await ask("e3") == ["SUPPRESSED"]
    assert len(push.messages) == 1
