"""C9 in the reader's language, with the studio's words: statuses through the catalog,
amounts with the currency, sessions by their service, ranks in the studio's terminology."""

from __future__ import annotations

from crm.domain.timeline import summarise


def test_an_italian_timeline_says_everything_in_italian() -> None:
    membership = {"plan": "Mensual", "status": "ACTIVE"}
    assert summarise("ingest.membership_reported.v1", membership, "it") == "Quota Mensual: attiva"
    purchase = {"invoice_number": "F-1", "lines": [{"amount": "1200.5"}], "amount_due": "20"}
    assert (
        summarise("ingest.purchase_recorded.v1", purchase, "it", currency="EUR")
        == "Acquisto F-1: 1.200,50 €, 20,00 € da pagare"
    )
    gift = {"code": "G1", "balance": "15", "currency": "USD"}
    assert summarise("ingest.gift_card_reported.v1", gift, "it") == "Carta regalo G1: saldo 15,00 $"
    preference = {"category": "MARKETING", "channel": "SMS", "enabled": False}
    assert (
        summarise("clients.preferences_changed.v1", preference, "it")
        == "Preferenza di comunicazione MARKETING/SMS: disattivata"
    )


def test_a_session_is_named_by_its_service_when_known() -> None:
    booking = {"session_id": "S1", "from_app": True}
    services = {"S1": "Yoga"}
    assert (
        summarise("ingest.booking_made.v1", booking, "it", services=services)
        == "Prenotazione per Yoga dall'app"
    )
    assert summarise("ingest.booking_made.v1", booking, "en") == "Booked session S1 from the app"
    scheduled = {"session_id": "S2", "service_name": "Pilates"}
    assert summarise("ingest.session_scheduled.v1", scheduled, "es") == "Programada Pilates"


def test_a_belts_studio_says_belt_in_every_language() -> None:
    assigned = {"rank_name": "Blu", "terminology": "BELTS"}
    assert summarise("ranks.rank_assigned.v1", assigned, "it") == "Cintura assegnata: Blu"
    assert summarise("ranks.rank_assigned.v1", assigned, "es") == "Cinturón asignado: Blu"
    assert summarise("ranks.rank_assigned.v1", assigned, "en") == "Belt assigned: Blu"
    ranking = {**assigned, "terminology": "RANKINGS"}
    assert summarise("ranks.rank_assigned.v1", ranking, "es") == "Ranking asignado: Blu"
    stripe = {"rank_name": "Blu", "stripes": 1, "stripes_in_rank": 4, "terminology": "CHALLENGES"}
    assert summarise("ranks.stripe_awarded.v1", stripe, "en") == "Blu: milestone 1 of 4"
