"""A booking check's refusals and a failed import's reason carry their code and the values
their sentence names, so a frontend may word them itself (docs/contract.md, "Language")."""

from __future__ import annotations

from clients.domain.booking_block import BlockMode, BookingBlock
from clients.domain.card import BookingChannel, Disliked, booking_check
from clients.graphql.payloads import ImportFailureCode, ImportJob
from plumbing.i18n import speaking


def test_each_refusal_names_the_block_mode_or_the_disliked_service() -> None:
    verdict = booking_check(
        channel=BookingChannel.ONLINE,
        service_id="s-yoga",
        block=BookingBlock(BlockMode.NEEDS_APPROVAL),
        status="ACTIVE",
        disliked=[Disliked("s-yoga", "Yoga", "too slow")],
        language="it",
    )
    assert verdict.codes == ["NEEDS_APPROVAL", "DISLIKED_SERVICE"]
    assert verdict.params == [
        {"mode": "NEEDS_APPROVAL", "channel": "ONLINE"},
        {"serviceId": "s-yoga", "serviceName": "Yoga", "comment": "too slow"},
    ]
    assert len(verdict.reasons) == 2 and "Yoga" in verdict.reasons[1]


def _job(failure: str) -> dict[str, object]:
    return {
        "id": "j-1",
        "status": "FAILED",
        "total": 40,
        "processed": 25,
        "created": 20,
        "duplicates": 5,
        "errors": [],
        "failure": failure,
    }


def test_a_failed_import_has_a_code_its_counts_and_a_sentence_per_language() -> None:
    stalled = _job("the import stopped before the end of the file; the rows processed are kept")
    with speaking("es"):
        job = ImportJob.from_doc(stalled)
    assert job.failure_code is ImportFailureCode.STOPPED
    assert {(p.name, p.value) for p in job.failure_params} == {
        ("processed", "25"),
        ("total", "40"),
    }
    assert job.failure is not None and job.failure.startswith(
        "la importación se detuvo antes del final del archivo; se conservan las 25 filas"
    )
    with speaking("it"):
        crashed = ImportJob.from_doc(_job("KeyError('x')"))
    assert crashed.failure_code is ImportFailureCode.INTERNAL_ERROR
    assert crashed.failure is not None and "KeyError" not in crashed.failure
    assert crashed.failure.startswith("l'importazione si è fermata per un errore interno")
    assert ImportJob.from_doc({**_job(""), "status": "COMPLETED"}).failure_code is None
