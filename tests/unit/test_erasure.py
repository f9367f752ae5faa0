"""Crypto-shredding through the hub's commands: personal fields stored encrypted with their
person's key, and erasure that makes them unreadable while the log stays whole."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from api.store import CrmHub, connect_hub
from domain.customers import Customer
from domain.errors import (
    ConcurrencyError,
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
)
from domain.hub import Hub
from domain.interactions import Interaction, InteractionDraft
from domain.personal_data import NO_PERSONAL_STATE, PERSONAL_STATE
from domain.sales import Lead
from domain.service import Case
from tests.stories import TEST_MASTER_KEY, events_since, records_nothing

MARKERS = ("Zyxwquartz", "Vonnegrublet", "zyxw.vonne@example.org", "+44 20 7946 0958",
           "Quillfeather Lane", "complained about the Blorptastic router")


def marked_customer(hub: Hub) -> object:
    given, family, email, phone, street, _ = MARKERS
    return hub.register_customer(actor="sam", kind="person", profile={
        "given_name": given, "family_name": family, "emails": [email], "phones": [phone],
        "address": {"street": street, "city": "Leeds", "country": "GB"}})


def stored_bytes(hub: Hub) -> bytes:
    """Every stored event's and snapshot's state, as the database holds it."""
    states = [n.state for n in hub.recorder.select_notifications(start=1, limit=10_000)]
    snapshots = hub.snapshots.recorder if hub.snapshots else None
    if snapshots is not None:
        for notification in hub.recorder.select_notifications(start=1, limit=10_000):
            states += [s.state for s in snapshots.select_events(notification.originator_id)]
    return b"\n".join(states)


def reopened(hub: Hub, database_url: str) -> Hub:
    """A second process's hub: nothing cached."""
    return connect_hub(database_url, master_key=TEST_MASTER_KEY)


def test_personal_fields_are_stored_encrypted_and_read_back(hub, database_url):
    customer_id = marked_customer(hub)
    hub.record_interaction(actor="eve", draft=InteractionDraft(
        customer_id=customer_id, channel="phone", direction="inbound", department="service",
        subject="Router", summary=MARKERS[5]))
    raw = stored_bytes(hub)
    assert not [marker for marker in MARKERS if marker.encode() in raw]
    other = reopened(hub, database_url)
    try:
        customer = other.load(Customer, customer_id)
        assert (customer.given_name, customer.emails) == (MARKERS[0], [MARKERS[2]])
    finally:
        other.close()


def test_a_page_is_decoded_with_one_read_of_its_subjects_keys(hub, database_url, monkeypatch):
    people = [hub.register_customer(actor="sam", kind="person", profile={
        "given_name": f"Person {index}", "family_name": "Page"}) for index in range(30)]
    hub.erase_customer(actor="dpo", customer_id=people[0])
    other = reopened(hub, database_url)  # a fresh process: no key cached
    reads: list[str] = []
    keys = other.subject_keys
    monkeypatch.setattr(keys, "_select", lambda subject: reads.append("one") or None)
    select_many = keys._select_many
    monkeypatch.setattr(keys, "_select_many", lambda ids: reads.append("many") or select_many(ids))
    try:
        page = other.recorder.select_notifications(start=1, limit=100)
        registered = [e for e in other.decode(page) if isinstance(e, Customer.Registered)]
        assert reads == ["many"]
        assert [e.given_name for e in registered] == ["", *(f"Person {i}" for i in range(1, 30))]
    finally:
        other.close()


def test_a_snapshot_holds_personal_fields_encrypted(hub, database_url):
    customer_id = marked_customer(hub)
    for index in range(Hub.snapshotting_intervals[Customer] + 1):
        hub.update_customer_profile(actor="sam", customer_id=customer_id,
                                    changes={"job_title": f"Title {index}"})
    snapshots = list(hub.snapshots.recorder.select_events(customer_id))  # type: ignore[union-attr]
    assert snapshots, "the customer should have a snapshot by now"
    assert not [m for m in MARKERS[:5] if any(m.encode() in s.state for s in snapshots)]
    other = reopened(hub, database_url)
    try:
        assert other.load(Customer, customer_id).family_name == MARKERS[1]
    finally:
        other.close()


def test_erasure_blanks_every_copy_and_keeps_the_numbers(hub, database_url):
    customer_id = marked_customer(hub)
    interaction = hub.record_interaction(actor="eve", draft=InteractionDraft(
        customer_id=customer_id, channel="phone", direction="inbound", department="service",
        subject="Router", summary=MARKERS[5]))
    case_id = hub.open_case(actor="eve", customer_id=customer_id, channel="phone",
                            case_type="complaint", subject="Router", description=MARKERS[5])
    hub.record_purchase(actor="shop", customer_id=customer_id, channel="web", lines=[
        {"sku": "RT-1", "product_name": "Router", "quantity": 2, "unit_price": "50.00",
         "currency": "EUR"}])
    before = len(events_since(hub))

    hub.erase_customer(actor="dpo", customer_id=customer_id)

    events = events_since(hub)
    assert len(events) == before + 1, "the log keeps every event, plus the erasure"
    assert isinstance(events[-1], Customer.Erased)
    other = reopened(hub, database_url)
    try:
        customer = other.load(Customer, customer_id)
        assert customer.erased
        assert (customer.given_name, customer.family_name, customer.emails, customer.phones,
                customer.address) == (None, None, [], [], None)
        assert other.load(Interaction, interaction).summary == ""
        assert other.load(Case, case_id).description == ""
        replayed = events_since(other)
        purchase = next(e for e in replayed if type(e).__qualname__ == "Purchase.Recorded")
        assert str(purchase.total) == "100.00"
        registered = next(e for e in replayed if isinstance(e, Customer.Registered))
        assert (registered.given_name, registered.emails, registered.address) == ("", [], None)
    finally:
        other.close()


def test_a_converted_lead_is_erased_with_its_customer(hub, database_url):
    lead_id = hub.capture_lead(actor="sam", source="web_form", channel="web",
                               given_name=MARKERS[0], family_name=MARKERS[1], email=MARKERS[2])
    hub.qualify_lead(actor="sam", lead_id=lead_id)
    conversion = hub.convert_lead(actor="sam", lead_id=lead_id, opportunity_name="Routers",
                                  amount="100", currency="EUR",
                                  expected_close_date=date.today() + timedelta(days=30))
    hub.erase_customer(actor="dpo", customer_id=conversion.customer_id)
    other = reopened(hub, database_url)
    try:
        lead = other.load(Lead, lead_id)
        assert (lead.given_name, lead.email) == ("", "")
    finally:
        other.close()


def test_nothing_personal_can_be_recorded_about_an_erased_customer(hub, database_url):
    customer_id = marked_customer(hub)
    hub.erase_customer(actor="dpo", customer_id=customer_id)
    attempts = [
        lambda h: h.update_customer_profile(actor="sam", customer_id=customer_id,
                                            changes={"given_name": "Again"}),
        lambda h: h.record_interaction(actor="eve", draft=InteractionDraft(
            customer_id=customer_id, channel="email", direction="inbound",
            department="sales", subject="Hello")),
        lambda h: h.erase_customer(actor="dpo", customer_id=customer_id),
    ]
    other = reopened(hub, database_url)
    try:
        for attempt in attempts:
            for each in (hub, other):  # this process, and one that knew nothing of it
                with records_nothing(hub), pytest.raises(InvalidTransitionError):
                    attempt(each)
    finally:
        other.close()


def test_erasing_an_unknown_or_malformed_id_is_refused(hub):
    with records_nothing(hub), pytest.raises(NotFoundError):
        hub.erase_customer(actor="dpo", customer_id="00000000-0000-4000-8000-000000000000")
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        hub.erase_customer(actor="dpo", customer_id="not-an-id")
    assert error.value.field == "customerId"


def test_an_erasure_at_an_old_version_is_a_conflict(hub):
    customer_id = marked_customer(hub)
    hub.change_customer_stage(actor="sam", customer_id=customer_id, stage="prospect")
    with records_nothing(hub), pytest.raises(ConcurrencyError):
        hub.erase_customer(actor="dpo", customer_id=customer_id, expected_version=1)


@pytest.mark.parametrize("aggregate", sorted(CrmHub.snapshotting_intervals, key=lambda c: c.__name__),
                         ids=lambda cls: cls.__name__)
def test_every_snapshotted_aggregate_is_classified(aggregate):
    assert (aggregate in PERSONAL_STATE) != (aggregate in NO_PERSONAL_STATE)


def test_the_classified_snapshot_fields_exist(hub):
    customer_id = marked_customer(hub)
    case_id = hub.open_case(actor="eve", customer_id=customer_id, channel="phone",
                            case_type="question", subject="Q", description="D")
    for aggregate_id, cls in ((customer_id, Customer), (case_id, Case)):
        state = vars(hub.load(cls, aggregate_id))
        mark = PERSONAL_STATE[cls]
        assert set(mark.fields) <= set(state), set(mark.fields) - set(state)
        assert mark.subject == "originator_id" or mark.subject in state


def test_an_erasure_records_when_and_who(hub):
    customer_id = marked_customer(hub)
    hub.erase_customer(actor="dpo", customer_id=customer_id)
    erased = events_since(hub)[-1]
    assert (erased.actor, erased.erased_subjects) == ("dpo", [customer_id])
    assert erased.occurred_at <= datetime.now(UTC)


def test_an_erased_customer_still_moves_through_stages_and_snapshots(hub, database_url):
    customer_id = marked_customer(hub)
    hub.erase_customer(actor="dpo", customer_id=customer_id)
    for index in range(Hub.snapshotting_intervals[Customer]):
        hub.tag_customer(actor="sam", customer_id=customer_id, add=[f"t{index}"],
                         remove=[f"t{index - 1}"] if index else [])
    other = reopened(hub, database_url)
    try:
        customer = other.load(Customer, customer_id)
        assert customer.erased and customer.given_name is None
        assert customer.tags == [f"t{Hub.snapshotting_intervals[Customer] - 1}"]
    finally:
        other.close()
