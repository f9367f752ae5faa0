"""The policy against a model: random grants, withdrawals, expiries, erasures and reads by
random readers; after every read, no field came back without a live grant covering that
reader, purpose and category (and none that had one was held back)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from api.graphql.data_categories import FIELD_CATEGORIES
from domain.errors import InvalidTransitionError, InvalidValueError, NotFoundError
from privacy.policy import Reader, disclose

PARTNER_A, PARTNER_B = uuid4(), uuid4()
#: Each reader (a partner with its category, and the purpose it reads for), and whether the
#: model expects it to need consent: only staff reading for operations does not.
READERS = {
    "staff": (Reader.staff(), False),
    "marketing": (Reader.organisation("marketing.communications.email"), True),
    "partner A": (Reader.partner(PARTNER_A, "supplier",
                                 "third_party_sharing.partner.lead_referral"), True),
    "partner B": (Reader.partner(PARTNER_B, "reseller",
                                 "third_party_sharing.partner.lead_referral"), True),
    "partner A, sales": (Reader.partner(PARTNER_A, "supplier", "sales"), True),
}
RECIPIENTS = {"organisation": ("organisation", None, None), "partner A": ("partner", PARTNER_A, None),
              "partner B": ("partner", PARTNER_B, None), "suppliers": ("partner_category", None, "supplier")}
PURPOSES = ["marketing", "marketing.communications.email", "third_party_sharing",
            "third_party_sharing.partner.lead_referral", "sales"]
CATEGORIES = ["user", "user.name", "user.contact", "user.contact.email",
              "user.contact.phone_number", "user.contact.address"]
#: The customer profile's fields as the schema classifies them (attribute -> category).
PROFILE = {re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name): category
           for name, category in FIELD_CATEGORIES["Customer"].items()
           if name in {"givenName", "familyName", "jobTitle", "emails", "phones", "address",
                       "stage", "companyName"}}


def covers(broad: str, narrow: str) -> bool:
    return narrow == broad or narrow.startswith(broad + ".")


@dataclass
class ModelGrant:
    id: UUID
    recipient: str
    purpose: str
    categories: list[str]
    given: datetime
    expires: datetime | None
    withdrawn: datetime | None = None

    def live(self, at: datetime) -> bool:
        return (self.given <= at and (self.withdrawn is None or at < self.withdrawn)
                and (self.expires is None or at < self.expires))

    def lets(self, reader: Reader) -> bool:
        kind, partner, category = RECIPIENTS[self.recipient]
        to = reader.recipient
        if kind == "partner_category":
            recipient = to.kind == "partner" and to.category == category
        else:
            recipient = (to.kind, to.partner_id) == (kind, partner)
        return recipient and covers(self.purpose, reader.purpose or "")


def machine_for(hub: Any) -> type[RuleBasedStateMachine]:
    class Policy(RuleBasedStateMachine):
        @initialize()
        def customer(self) -> None:
            self.customer_id = hub.register_customer(actor="sam", kind="person", profile={
                "given_name": "Ada", "family_name": "Lovelace", "emails": ["ada@example.com"],
                "phones": ["+44 20 7946 0000"], "address": {"city": "London", "country": "GB"}})
            self.grants: list[ModelGrant] = []
            self.erased = False

        @rule(recipient=st.sampled_from(sorted(RECIPIENTS)), purpose=st.sampled_from(PURPOSES),
              categories=st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True),
              expires_in_days=st.none() | st.integers(1, 3))
        def grant(self, recipient: str, purpose: str, categories: list[str],
                  expires_in_days: int | None) -> None:
            if self.erased:
                return
            kind, partner, category = RECIPIENTS[recipient]
            now = datetime.now(UTC)
            expires = now + timedelta(days=expires_in_days) if expires_in_days else None
            grant_id = hub.grant_consent(
                actor="sam", customer_id=self.customer_id, recipient=kind, partner_id=partner,
                partner_category=category, purpose=purpose, categories=categories, channel="web",
                notice_version="v1", expires_at=expires)
            self.grants.append(ModelGrant(grant_id, recipient, purpose, categories,
                                          hub.consent_of(self.customer_id).get(grant_id).given.occurred_at,
                                          expires))

        @rule(index=st.integers(0, 20))
        def withdraw(self, index: int) -> None:
            live = [g for g in self.grants if g.live(datetime.now(UTC))]
            if self.erased or not live:
                return
            grant = live[index % len(live)]
            hub.withdraw_consent(actor="sam", customer_id=self.customer_id, grant_id=grant.id,
                                 channel="email")
            grant.withdrawn = hub.consent_of(self.customer_id).get(grant.id).withdrawal.occurred_at

        @rule()
        def erase(self) -> None:
            if not self.erased:
                hub.erase_customer(actor="dpo", customer_id=self.customer_id)
                self.erased = True

        @rule(reader=st.sampled_from(sorted(READERS)), days_later=st.sampled_from([0, 2, 5]))
        def read(self, reader: str, days_later: int) -> None:
            who, needs_consent = READERS[reader]
            at = datetime.now(UTC) + timedelta(days=days_later)
            try:
                seen = disclose(hub, who, self.customer_id, PROFILE, at=at).values
            except NotFoundError:
                seen = None
            if not needs_consent:
                assert seen is not None and set(seen) == set(PROFILE)
                return
            live = [] if self.erased else [g for g in self.grants if g.live(at) and g.lets(who)]
            if not live:
                assert seen is None, f"{reader} saw {seen} without a live grant"
                return
            expected = {name for name, category in PROFILE.items()
                        if not category.startswith("user")
                        or any(covers(granted, category) for g in live for granted in g.categories)}
            assert seen is not None and set(seen) == expected

        @invariant()
        def log_keeps_every_grant(self) -> None:
            consent = hub.consent_of(self.customer_id)
            assert len(consent.grants if consent else []) == len(self.grants)

    return Policy


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_no_read_returns_a_field_without_a_live_grant(hub):
    run_state_machine_as_test(machine_for(hub), settings=settings(
        max_examples=40, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))


def test_known_answers(hub):
    """The rule's cases one by one: only a live, matching grant opens a field."""
    at = datetime.now(UTC) + timedelta(seconds=1)
    partner_a, _ = READERS["partner A"]
    customer = hub.register_customer(actor="sam", kind="person", profile={
        "given_name": "Ada", "family_name": "Lovelace", "emails": ["ada@example.com"]})

    def seen() -> dict[str, Any] | None:
        try:
            return disclose(hub, partner_a, customer, PROFILE, at=at).values
        except NotFoundError:
            return None

    assert seen() is None  # no consent: the customer does not exist for the partner
    grant = hub.grant_consent(actor="sam", customer_id=customer, recipient="partner_category",
                              partner_category="supplier", channel="web", notice_version="v1",
                              purpose="third_party_sharing", categories=["user.name"])
    assert seen() == {"given_name": "Ada", "family_name": "Lovelace", "stage": "lead",
                      "company_name": None}
    hub.grant_consent(actor="sam", customer_id=customer, recipient="partner",
                      partner_id=PARTNER_B, channel="web", notice_version="v1",
                      purpose="third_party_sharing", categories=["user.contact"])
    assert "emails" not in seen()  # that grant is partner B's
    hub.withdraw_consent(actor="sam", customer_id=customer, grant_id=grant, channel="email")
    assert seen() is None
    hub.grant_consent(actor="sam", customer_id=customer, recipient="partner",
                      partner_id=PARTNER_A, channel="web", notice_version="v1",
                      purpose="third_party_sharing.partner.lead_referral", categories=["user"])
    assert set(seen() or {}) == set(PROFILE)
    hub.erase_customer(actor="dpo", customer_id=customer)
    assert seen() is None
    staff, _ = READERS["staff"]
    assert disclose(hub, staff, customer, PROFILE, at=at).values["given_name"] is None


#: A lead's record as a partner reads it (attribute -> category).
LEAD = {"given_name": "user.name", "family_name": "user.name", "email": "user.contact.email",
        "company_name": "system.operations", "status": "system.operations"}


def test_known_answers_for_a_lead(hub):
    """A lead is a data subject of its own: its consent opens its fields; once converted its
    grants stay its own (not the customer's); erasing the customer erases the lead too."""
    at = datetime.now(UTC) + timedelta(seconds=1)
    partner_a, _ = READERS["partner A"]
    lead = hub.capture_lead(actor="sam", source="web_form", channel="web", given_name="Ada",
                            family_name="Lovelace", email="ada@example.com")

    def seen(subject=lead) -> dict[str, Any] | None:
        try:
            return disclose(hub, partner_a, subject, LEAD if subject == lead else PROFILE,
                            at=at).values
        except NotFoundError:
            return None

    assert seen() is None
    grant = hub.grant_consent(actor="sam", lead_id=lead, recipient="partner",
                              partner_id=PARTNER_A, channel="web", notice_version="v1",
                              purpose="third_party_sharing", categories=["user.name"])
    assert seen() == {"given_name": "Ada", "family_name": "Lovelace", "company_name": None,
                      "status": "new"}
    assert [g.id for g in hub.consents(lead)] == [grant]
    hub.qualify_lead(actor="sam", lead_id=lead)
    customer = hub.convert_lead(actor="sam", lead_id=lead, opportunity_name="Deal", amount="10",
                                currency="EUR",
                                expected_close_date=(at + timedelta(days=30)).date()).customer_id
    assert seen()["status"] == "converted"  # the lead's grant still governs the lead
    assert seen(customer) is None  # and is not the customer's
    with pytest.raises(InvalidTransitionError, match="converted"):
        hub.grant_consent(actor="sam", lead_id=lead, recipient="organisation", channel="web",
                          notice_version="v1", purpose="marketing", categories=["user"])
    hub.erase_customer(actor="dpo", customer_id=customer)
    assert seen() is None  # erased with its customer
    with pytest.raises(InvalidTransitionError, match="erased"):
        hub.withdraw_consent(actor="sam", lead_id=lead, grant_id=grant, channel="email")


def test_the_subject_is_named_once_and_as_what_it_is(hub):
    customer = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Ada"})
    lead = hub.capture_lead(actor="sam", source="web_form", channel="web", given_name="Bo",
                            email="bo@example.com")
    terms = {"recipient": "organisation", "channel": "web", "notice_version": "v1",
             "purpose": "marketing", "categories": ["user"]}
    with pytest.raises(InvalidValueError, match="exactly one"):
        hub.grant_consent(actor="sam", customer_id=customer, lead_id=lead, **terms)
    with pytest.raises(InvalidValueError, match="exactly one"):
        hub.grant_consent(actor="sam", **terms)
    with pytest.raises(NotFoundError):
        hub.grant_consent(actor="sam", lead_id=customer, **terms)
    with pytest.raises(NotFoundError):
        hub.grant_consent(actor="sam", customer_id=lead, **terms)
    by_subject = hub.grant_consent(actor="sam", subject_id=lead, **terms)
    hub.withdraw_consent(actor="sam", subject_id=lead, grant_id=by_subject, channel="web")
    assert hub.grant_consent(actor="sam", subject_id=customer, **terms) in {
        g.id for g in hub.consents(customer)}
