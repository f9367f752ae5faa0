"""Consent: the vocabulary, and the consent aggregate's rules through the hub's commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4, uuid5

import pytest

from api.store import CrmHub
from domain.errors import InvalidTransitionError, InvalidValueError, NotFoundError
from privacy.consent import Consent, GrantStatus, Recipient
from privacy.vocabulary import covers, vocabulary
from tests.stories import events_since, records_nothing

CLERK = "clerk-1"
JANUARY = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
RESELLER = "reseller"

# -- the vocabulary -------------------------------------------------------------------------


def test_the_vocabulary_is_versioned_data_whose_names_form_one_hierarchy() -> None:
    terms = vocabulary()
    assert terms.version
    for kind in (terms.purposes, terms.categories):
        names = [term.name for term in kind]
        assert len(names) == len(set(names)), "a name is listed twice"
        for term in kind:
            assert term.description.strip() and "\n" not in term.description, term.name
            parent = term.name.rpartition(".")[0]
            assert not parent or parent in names, f"{term.name} has no parent {parent}"
    assert {"marketing.communications.email", "marketing.communications.sms",
            "marketing.advertising.profiling", "sales", "essential.service.operations.support",
            "analytics.reporting.campaign_insights", "third_party_sharing",
            "third_party_sharing.partner.lead_referral"} <= {t.name for t in terms.purposes}
    assert {"user.name", "user.contact.email", "user.contact.phone_number",
            "user.contact.address", "user.behavior.purchase_history",
            "user.financial"} <= {t.name for t in terms.categories}


def test_a_broader_name_covers_its_narrower_names_never_the_reverse() -> None:
    assert covers("marketing", "marketing.communications.email")
    assert covers("user.contact", "user.contact.email")
    assert covers("sales", "sales")
    assert not covers("marketing.communications.email", "marketing")
    assert not covers("user.contact.email", "user.contact")
    assert not covers("marketing.communications.email", "marketing.communications.sms")
    assert not covers("user.contact.e", "user.contact.email"), "a prefix is not a parent"


def test_an_unknown_name_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValueError) as raised:
        vocabulary().purpose("marketing.telepathy", "purpose")
    assert raised.value.field == "purpose"
    with pytest.raises(InvalidValueError) as raised:
        vocabulary().category("marketing", "categories[0]")  # a purpose is no category
    assert raised.value.field == "categories[0]"


# -- granting -------------------------------------------------------------------------------


@pytest.fixture
def customer(hub: CrmHub) -> UUID:
    return hub.register_customer(actor=CLERK, kind="person", profile={"given_name": "Ada"})


def grant(hub: CrmHub, customer: UUID, **changes: Any) -> UUID:
    arguments = {"recipient": "organisation", "purpose": "marketing.communications",
                 "categories": ["user.contact"], "channel": "web", "notice_version": "2026-01",
                 **changes}
    return hub.grant_consent(actor=CLERK, customer_id=customer, **arguments)


def test_a_grant_records_its_evidence_and_the_vocabulary_version(
    hub: CrmHub, customer: UUID
) -> None:
    start = hub.position()
    grant_id = grant(hub, customer, channel="store", notice_text="May we email you offers?",
                     categories=["user.contact.email", "user.name"], occurred_at=JANUARY,
                     expires_at=JANUARY + timedelta(days=365))

    created, granted = events_since(hub, start)
    assert isinstance(created, Consent.Created) and isinstance(granted, Consent.Granted)
    assert created.originator_id == uuid5(customer, "consent") == Consent.create_id(customer)
    assert created.customer_id == granted.customer_id == customer
    assert (granted.grant_id, granted.actor, granted.occurred_at, granted.channel) == (
        grant_id, CLERK, JANUARY, "store")
    assert {created.vocabulary_version, granted.vocabulary_version} == {vocabulary().version}
    (given,) = hub.consents(customer)
    assert (given.id, given.purpose, given.categories) == (
        grant_id, "marketing.communications", ("user.contact.email", "user.name"))
    assert (given.notice_version, given.notice_text) == ("2026-01", "May we email you offers?")
    assert (given.given.occurred_at, given.given.actor, given.given.channel) == (
        JANUARY, CLERK, "store")
    assert given.status(datetime.now(UTC)) is GrantStatus.LIVE


def test_a_customer_has_one_consent_that_keeps_every_grant(hub: CrmHub, customer: UUID) -> None:
    first = grant(hub, customer)
    start = hub.position()
    second = grant(hub, customer, recipient="partner_category", partner_category=RESELLER,
                   purpose="third_party_sharing.partner.lead_referral")

    (event,) = events_since(hub, start)
    assert isinstance(event, Consent.Granted)
    assert event.originator_id == Consent.create_id(customer)
    assert [g.id for g in hub.consents(customer)] == [first, second]


def test_a_customer_without_consent_has_no_grants(hub: CrmHub, customer: UUID) -> None:
    assert hub.consents(customer) == []
    with pytest.raises(NotFoundError) as raised:
        hub.consents(uuid4())
    assert raised.value.kind == "data subject"


@pytest.mark.parametrize(("changes", "field"), [
    ({"purpose": "marketing.telepathy"}, "purpose"),
    ({"categories": ["user.name", "user.aura"]}, "categories[1]"),
    ({"categories": []}, "categories"),
    ({"channel": "pigeon"}, "channel"),
    ({"notice_version": " "}, "noticeVersion"),
    ({"occurred_at": JANUARY, "expires_at": JANUARY}, "expiresAt"),
    ({"expires_at": datetime(2030, 1, 1)}, "expiresAt"),  # without a time zone
    ({"occurred_at": datetime.now(UTC) + timedelta(days=1)}, "occurredAt"),
    ({"recipient": "stranger"}, "recipient.kind"),
    ({"recipient": "partner"}, "recipient.partnerId"),
    ({"recipient": "partner", "partner_id": "banana"}, "recipient.partnerId"),
    ({"recipient": "partner", "partner_id": uuid4(), "partner_category": RESELLER},
     "recipient.category"),
    ({"partner_id": uuid4()}, "recipient.partnerId"),
    ({"recipient": "partner_category"}, "recipient.category"),
    ({"recipient": "partner_category", "partner_category": "smuggler"}, "recipient.category"),
])
def test_a_bad_grant_names_the_field_and_records_nothing(
    hub: CrmHub, customer: UUID, changes: dict[str, Any], field: str
) -> None:
    with records_nothing(hub), pytest.raises(InvalidValueError) as raised:
        grant(hub, customer, **changes)
    assert raised.value.field == field


def test_a_grant_for_an_unknown_customer_is_not_found(hub: CrmHub, customer: UUID) -> None:
    with records_nothing(hub), pytest.raises(NotFoundError) as raised:
        grant(hub, uuid4())
    assert raised.value.kind == "customer"


# -- withdrawal and expiry ---------------------------------------------------------------------


def test_a_withdrawal_is_an_event_that_ends_the_grant(hub: CrmHub, customer: UUID) -> None:
    grant_id = grant(hub, customer, occurred_at=JANUARY)
    start = hub.position()
    hub.withdraw_consent(actor="agent-7", customer_id=customer, grant_id=str(grant_id),
                         channel="phone", reason="no more offers, please")

    (event,) = events_since(hub, start)
    assert isinstance(event, Consent.Withdrawn)
    assert (event.grant_id, event.channel, event.reason, event.actor, event.customer_id) == (
        grant_id, "phone", "no more offers, please", "agent-7", customer)
    assert event.vocabulary_version == vocabulary().version
    (withdrawn,) = hub.consents(customer)
    assert withdrawn.status(datetime.now(UTC)) is GrantStatus.WITHDRAWN
    assert withdrawn.status(JANUARY + timedelta(days=1)) is GrantStatus.LIVE
    assert [(c.kind, c.actor, c.channel) for c in withdrawn.history] == [
        ("granted", CLERK, "web"), ("withdrawn", "agent-7", "phone")]


def test_an_expired_grant_counts_as_withdrawn(hub: CrmHub, customer: UUID) -> None:
    expiry = JANUARY + timedelta(days=30)
    grant_id = grant(hub, customer, occurred_at=JANUARY, expires_at=expiry)

    (expired,) = hub.consents(customer)
    assert expired.status(expiry - timedelta(seconds=1)) is GrantStatus.LIVE
    assert expired.status(expiry) is GrantStatus.EXPIRED
    consent = hub.load(Consent, Consent.create_id(customer))
    assert consent.live_grants(datetime.now(UTC)) == []
    assert consent.live_grants(JANUARY) == [expired]
    with records_nothing(hub), pytest.raises(InvalidTransitionError) as raised:
        hub.withdraw_consent(actor=CLERK, customer_id=customer, grant_id=grant_id, channel="web")
    assert "expired" in raised.value.message


def test_withdrawing_twice_or_what_was_never_granted_records_nothing(
    hub: CrmHub, customer: UUID
) -> None:
    with records_nothing(hub), pytest.raises(NotFoundError) as raised:
        hub.withdraw_consent(actor=CLERK, customer_id=customer, grant_id=uuid4(), channel="web")
    assert raised.value.kind == "consent grant"  # the customer has no consent at all yet
    grant_id = grant(hub, customer, occurred_at=JANUARY)
    with records_nothing(hub), pytest.raises(NotFoundError):
        hub.withdraw_consent(actor=CLERK, customer_id=customer, grant_id=uuid4(), channel="web")
    with records_nothing(hub), pytest.raises(InvalidValueError) as bad:
        hub.withdraw_consent(actor=CLERK, customer_id=customer, grant_id="banana", channel="web")
    assert bad.value.field == "grantId"
    with records_nothing(hub), pytest.raises(InvalidValueError) as early:
        hub.withdraw_consent(actor=CLERK, customer_id=customer, grant_id=grant_id, channel="web",
                             occurred_at=JANUARY - timedelta(days=1))
    assert early.value.field == "occurredAt"
    hub.withdraw_consent(actor=CLERK, customer_id=customer, grant_id=grant_id, channel="web")
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.withdraw_consent(actor=CLERK, customer_id=customer, grant_id=grant_id, channel="web")


# -- what a grant covers --------------------------------------------------------------------


def test_a_grant_covers_narrower_purposes_and_categories_for_its_recipient_only(
    hub: CrmHub, customer: UUID
) -> None:
    ours = grant(hub, customer, purpose="marketing", categories=["user.contact"])
    consent = hub.load(Consent, Consent.create_id(customer))
    us, now = Recipient("organisation"), datetime.now(UTC)

    assert [g.id for g in consent.covers(us, "marketing.communications.email",
                                         "user.contact.email", now)] == [ours]
    assert consent.covers(us, "sales", "user.contact.email", now) == []
    assert consent.covers(us, "marketing", "user.name", now) == []
    assert consent.covers(Recipient("partner", uuid4(), RESELLER), "marketing",
                          "user.contact", now) == []


def test_a_grant_to_a_partner_category_covers_its_partners_and_one_to_a_partner_only_it(
    hub: CrmHub, customer: UUID
) -> None:
    partner, other = uuid4(), uuid4()
    to_resellers = grant(hub, customer, recipient="partner_category", partner_category=RESELLER,
                         purpose="third_party_sharing.partner", categories=["user.name"])
    to_partner = grant(hub, customer, recipient="partner", partner_id=partner,
                       purpose="third_party_sharing", categories=["user"])
    consent = hub.load(Consent, Consent.create_id(customer))
    referral, now = "third_party_sharing.partner.lead_referral", datetime.now(UTC)

    def relied_on(recipient: Recipient) -> list[UUID]:
        return [g.id for g in consent.covers(recipient, referral, "user.name", now)]

    assert relied_on(Recipient("partner", partner, RESELLER)) == [to_resellers, to_partner]
    assert relied_on(Recipient("partner", other, RESELLER)) == [to_resellers]
    assert relied_on(Recipient("partner", partner, "supplier")) == [to_partner]
    assert relied_on(Recipient("partner", other, "supplier")) == []
    assert relied_on(Recipient("partner_category", None, RESELLER)) == [to_resellers]
    assert relied_on(Recipient("organisation")) == []


def test_a_grant_covers_only_while_it_is_live(hub: CrmHub, customer: UUID) -> None:
    grant_id = grant(hub, customer, occurred_at=JANUARY)
    withdrawn_at = JANUARY + timedelta(days=10)
    hub.withdraw_consent(actor=CLERK, customer_id=customer, grant_id=grant_id, channel="web",
                         occurred_at=withdrawn_at)
    consent = hub.load(Consent, Consent.create_id(customer))
    us = Recipient("organisation")

    def relied_on(at: datetime) -> list[UUID]:
        return [g.id for g in consent.covers(us, "marketing.communications", "user.contact", at)]

    assert relied_on(JANUARY - timedelta(seconds=1)) == []
    assert relied_on(JANUARY) == [grant_id]
    assert relied_on(withdrawn_at - timedelta(seconds=1)) == [grant_id]
    assert relied_on(withdrawn_at) == []
