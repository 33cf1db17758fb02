"""Every event type of the platform's contract, from each context's catalog (written
by `make schema`, checked against the code by tests/platform/test_event_contracts.py).

A consumer skips a type it does not read when it is here (a topic carries many types)
and parks one that is not (`UNKNOWN_TYPE`): a type nobody publishes, or a version
newer than this build.
"""

from __future__ import annotations

KNOWN: frozenset[str] = frozenset(
    {
        "clients.client_created.v1",
        "clients.client_erased.v1",
        "clients.client_updated.v1",
        "clients.custom_field_archived.v1",
        "clients.custom_field_defined.v1",
        "clients.custom_field_edited.v1",
        "clients.custom_field_value_set.v1",
        "clients.disliked_service_added.v1",
        "clients.disliked_service_removed.v1",
        "clients.disliked_service_updated.v1",
        "clients.document_added.v1",
        "clients.document_deleted.v1",
        "clients.form_assigned.v1",
        "clients.form_completed.v1",
        "clients.form_removed.v1",
        "clients.import_progressed.v1",
        "clients.note_added.v1",
        "clients.preferences_changed.v1",
        "clients.studio_updated.v1",
        "crm.client_moved_in_funnel.v1",
        "crm.facts_settled.v1",
        "crm.membership_next_payment_set.v1",
        "crm.task_completed.v1",
        "crm.task_created.v1",
        "crm.timeline_entry_added.v1",
        "ingest.app_logged_out.v1",
        "ingest.app_session_started.v1",
        "ingest.booking_cancelled.v1",
        "ingest.booking_made.v1",
        "ingest.gift_card_reported.v1",
        "ingest.membership_reported.v1",
        "ingest.notification_bounced.v1",
        "ingest.purchase_recorded.v1",
        "ingest.purchase_refunded.v1",
        "ingest.session_scheduled.v1",
        "ingest.visit_recorded.v1",
        "ingest.waitlist_converted.v1",
        "ingest.waitlist_joined.v1",
        "loyalty.points_deducted.v1",
        "loyalty.points_earned.v1",
        "loyalty.points_expired.v1",
        "loyalty.points_expiring.v1",
        "loyalty.points_granted.v1",
        "loyalty.points_redeemed.v1",
        "loyalty.points_reversed.v1",
        "notifications.message_failed.v1",
        "notifications.message_requested.v1",
        "notifications.message_sent.v1",
        "notifications.message_suppressed.v1",
        "notifications.staff_notified.v1",
        "ranks.client_demoted.v1",
        "ranks.client_eligible.v1",
        "ranks.client_promoted.v1",
        "ranks.rank_assigned.v1",
        "ranks.stripe_awarded.v1",
        "ranks.stripe_eligible.v1",
        "ranks.stripe_removed.v1",
    }
)
