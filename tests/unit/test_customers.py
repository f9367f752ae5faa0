"""Customers and interactions through the hub's commands, on the store under test."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.base import acting
from domain.customers import Customer
from domain.errors import ConcurrencyError, InvalidTransitionError, InvalidValueError, NotFoundError
from domain.hub import Hub
from domain.interactions import Interaction, InteractionDraft
from domain.storage import store_settings
from tests.stories import events_since


def register(hub: Hub, **overrides) -> object:
    arguments = {"actor": "sam", "kind": "person",
                 "profile": {"given_name": "Ada", "family_name": "Lovelace",
                             "emails": ["ada@example.com"]}} | overrides
    return hub.register_customer(**arguments)


def draft(customer_id, **overrides) -> InteractionDraft:
    values = {"customer_id": customer_id, "channel": "phone", "direction": "inbound",
              "department": "service", "subject": "Billing question"} | overrides
    return InteractionDraft(**values)


def test_registering_records_who_and_when(hub):
    customer_id = register(hub, tags=["VIP", "vip"], external_ids={"webshop": "WS-1"})
    (registered,) = events_since(hub)
    assert isinstance(registered, Customer.Registered)
    assert registered.actor == "sam"
    assert registered.timestamp - timedelta(seconds=5) < registered.occurred_at <= registered.timestamp
    customer = hub.load(Customer, customer_id)
    assert (customer.stage, customer.tags, customer.external_ids) == ("lead", ["vip"], {"webshop": "WS-1"})


def test_a_contact_belongs_to_an_organisation_not_to_a_person(hub):
    acme = register(hub, kind="organisation", profile={"company_name": "Acme Ltd"})
    contact = register(hub, organisation_id=acme)
    assert hub.load(Customer, contact).organisation_id == acme
    before = hub.position()
    with pytest.raises(InvalidValueError, match="organisationId"):
        register(hub, organisation_id=contact)
    with pytest.raises(NotFoundError):
        register(hub, organisation_id=uuid4())
    assert hub.position() == before


@pytest.mark.parametrize(("profile", "field"), [
    ({"given_name": "Ada", "emails": ["nope"]}, "emails"),
    ({"given_name": "Ada", "phones": ["call me"]}, "phones"),
    ({"given_name": "Ada", "address": {"country": "Germany"}}, "address.country"),
    ({"given_name": "Ada", "address": {"planet": "Mars"}}, "address"),
    ({"emails": ["a@b.co"]}, "familyName"),
    ({"given_name": "A" * 201}, "givenName"),
])
def test_bad_profiles_are_refused_and_record_nothing(hub, profile, field):
    with pytest.raises(InvalidValueError) as refused:
        register(hub, profile=profile)
    assert refused.value.field == field
    assert hub.position() == 0


def test_a_command_needs_an_actor(hub):
    with pytest.raises(InvalidValueError, match="actor"):
        register(hub, actor=" ")
    assert hub.position() == 0


def test_stages_move_through_the_funnel_and_back_but_never_jump(hub):
    customer_id = register(hub)
    for stage in ("prospect", "customer", "churned", "customer"):
        hub.change_customer_stage(actor="sam", customer_id=customer_id, stage=stage)
    before = hub.position()
    with pytest.raises(InvalidTransitionError, match="customer to lead"):
        hub.change_customer_stage(actor="sam", customer_id=customer_id, stage="lead")
    with pytest.raises(InvalidValueError, match="stage"):
        hub.change_customer_stage(actor="sam", customer_id=customer_id, stage="vip")
    assert hub.position() == before


def test_profile_updates_record_only_what_changed(hub):
    customer_id = register(hub)
    hub.update_customer_profile(actor="eve", customer_id=customer_id,
                                changes={"emails": ["ADA@example.com"], "job_title": "Analyst"})
    updated = events_since(hub)[-1]
    assert isinstance(updated, Customer.ProfileUpdated)
    assert (updated.job_title, updated.emails) == ("Analyst", None)
    position = hub.position()
    hub.update_customer_profile(actor="eve", customer_id=customer_id, changes={"job_title": "Analyst"})
    assert hub.position() == position


def test_the_second_of_two_concurrent_writers_gets_a_conflict(hub):
    customer_id = register(hub)
    first, second = hub.load(Customer, customer_id), hub.load(Customer, customer_id)
    with acting("eve"):
        first.assign_owner("eve")
        second.assign_owner("tom")
    hub.commit(first)
    with pytest.raises(ConcurrencyError):
        hub.commit(second)
    assert hub.load(Customer, customer_id).owner == "eve"


def test_concurrent_commands_never_lose_an_update(hub):
    customer_id = register(hub)

    def tag(n: int) -> bool:
        try:
            hub.tag_customer(actor=f"user-{n}", customer_id=customer_id, add=[f"t{n}"])
        except ConcurrencyError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        succeeded = sum(pool.map(tag, range(16)))
    customer = hub.load(Customer, customer_id)
    assert customer.version == 1 + succeeded
    assert len(customer.tags) == succeeded


def test_expected_version_detects_a_stale_client(hub):
    customer_id = register(hub)
    hub.update_customer_profile(actor="eve", customer_id=customer_id, changes={"job_title": "A"},
                                expected_version=1)
    with pytest.raises(ConcurrencyError, match="not the expected 1"):
        hub.update_customer_profile(actor="tom", customer_id=customer_id,
                                    changes={"job_title": "B"}, expected_version=1)


def test_an_interaction_keeps_when_it_happened_apart_from_when_it_was_recorded(hub):
    customer_id = register(hub)
    happened = datetime.now(UTC) - timedelta(hours=3)
    interaction_id = hub.record_interaction(actor="ivr-gateway",
                                            draft=draft(customer_id, occurred_at=happened))
    recorded = events_since(hub)[-1]
    assert recorded.occurred_at == happened < recorded.timestamp
    assert hub.load(Interaction, interaction_id).occurred_at == happened


def test_an_interaction_from_the_future_or_without_a_time_zone_is_refused(hub):
    customer_id = register(hub)
    before = hub.position()
    with pytest.raises(InvalidValueError, match="future"):
        hub.record_interaction(actor="a", draft=draft(
            customer_id, occurred_at=datetime.now(UTC) + timedelta(days=1)))
    with pytest.raises(InvalidValueError, match="time zone"):
        hub.record_interaction(actor="a", draft=draft(customer_id, occurred_at=datetime(2026, 1, 1)))
    assert hub.position() == before


@pytest.mark.parametrize(("overrides", "field"), [
    ({"channel": "pigeon"}, "channel"), ({"direction": "sideways"}, "direction"),
    ({"department": "legal"}, "department"), ({"subject": "  "}, "subject"),
    ({"duration_seconds": -5}, "durationSeconds"),
])
def test_bad_interactions_are_refused_and_record_nothing(hub, overrides, field):
    customer_id = register(hub)
    before = hub.position()
    with pytest.raises(InvalidValueError) as refused:
        hub.record_interaction(actor="a", draft=draft(customer_id, **overrides))
    assert refused.value.field == field
    assert hub.position() == before


def test_links_must_name_existing_records(hub):
    customer_id = register(hub)
    with pytest.raises(NotFoundError, match="case"):
        hub.record_interaction(actor="a", draft=draft(customer_id, case_id=uuid4()))
    with pytest.raises(NotFoundError, match="customer"):
        hub.record_interaction(actor="a", draft=draft(uuid4()))


def test_a_correction_is_a_new_event_and_the_original_stays(hub):
    customer_id = register(hub)
    interaction_id = hub.record_interaction(actor="a", draft=draft(customer_id))
    hub.correct_interaction(actor="lead-agent", interaction_id=interaction_id,
                            reason="wrong department", changes={"department": "sales"})
    recorded, corrected = events_since(hub)[-2:]
    assert (recorded.department, corrected.department, corrected.channel) == ("service", "sales", None)
    assert corrected.customer_id == customer_id
    with pytest.raises(InvalidValueError, match="equal the recorded"):
        hub.correct_interaction(actor="x", interaction_id=interaction_id, reason="again",
                                changes={"department": "sales"})
    with pytest.raises(InvalidValueError, match="cannot correct"):
        hub.correct_interaction(actor="x", interaction_id=interaction_id, reason="hm",
                                changes={"customer_id": uuid4()})


def test_a_batch_is_one_transaction(hub):
    customer_id = register(hub)
    ids = hub.record_interactions(actor="cti", drafts=[draft(customer_id)] * 50)
    assert len(set(ids)) == 50
    before = hub.position()
    with pytest.raises(InvalidValueError) as refused:
        hub.record_interactions(actor="cti", drafts=[draft(customer_id), draft(customer_id, channel="x")])
    assert refused.value.field == "interactions[1].channel"
    with pytest.raises(InvalidValueError, match="empty"):
        hub.record_interactions(actor="cti", drafts=[])
    assert hub.position() == before


def test_snapshots_keep_long_lived_customers_cheap_to_load(hub):
    customer_id = register(hub)
    for n in range(60):
        hub.tag_customer(actor="sam", customer_id=customer_id, add=[f"t{n}"], remove=[f"t{n - 1}"])
    assert hub.snapshots is not None
    assert list(hub.snapshots.get(customer_id))
    assert hub.load(Customer, customer_id).tags == ["t59"]


def test_database_urls_name_the_store():
    assert store_settings("sqlite:///data/crm.db")["SQLITE_DBNAME"] == "data/crm.db"
    assert store_settings("sqlite:////var/crm.db")["SQLITE_DBNAME"] == "/var/crm.db"
    pg = store_settings("postgresql://crm:s%40cret@db.internal:6543/crm?schema=tenant1")
    assert (pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"], pg["POSTGRES_HOST"], pg["POSTGRES_PORT"],
            pg["POSTGRES_DBNAME"], pg["POSTGRES_SCHEMA"]) == ("crm", "s@cret", "db.internal", "6543",
                                                              "crm", "tenant1")
    for bad in ("mysql://x/y", "sqlite://", "postgresql://host"):
        with pytest.raises(InvalidValueError, match="CRMHUB_DATABASE_URL"):
            store_settings(bad)
