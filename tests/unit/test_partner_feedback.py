"""Partners' feedback and issues: interactions on the partner channel, about customers
the partner knows; an issue opens a service case as well."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from api.store import CrmHub
from domain.errors import InvalidTransitionError, InvalidValueError, NotFoundError
from domain.interactions import Interaction
from domain.service import Case
from partners.deals import DealRegistration
from tests.stories import events_since, records_nothing
from tests.unit.deal_stories import (
    ADMIN,
    PURPOSE,
    a_customer,
    a_deal,
    a_known_customer,
    a_partner,
    actor,
)


def feedback(hub: CrmHub, partner: UUID, customer: UUID, **changes: Any) -> UUID:
    return hub.submit_partner_feedback(**{
        "actor": actor(partner), "partner_id": partner, "customer_id": customer,
        "kind": "feedback", "subject": "Install went well",
        "text": "The customer's team is happy with the rollout.", "purpose": PURPOSE, **changes})


def test_feedback_is_an_inbound_interaction_on_the_partner_channel(hub: CrmHub) -> None:
    partner = a_partner(hub)
    customer = a_known_customer(hub, partner)
    before = hub.position()

    interaction_id = feedback(hub, partner, customer)

    interaction = hub.load(Interaction, interaction_id)
    assert (interaction.customer_id, interaction.channel, interaction.direction) == (
        customer, "partner", "inbound")
    assert (interaction.department, interaction.handled_by) == ("partner", f"partner:{partner}")
    assert (interaction.subject, interaction.summary, interaction.case_id) == (
        "Install went well", "The customer's team is happy with the rollout.", None)
    (recorded,) = events_since(hub, before)
    assert recorded.actor == actor(partner)


def test_an_issue_also_opens_a_service_case_in_the_same_commit(hub: CrmHub) -> None:
    partner = a_partner(hub)
    customer = a_known_customer(hub, partner)
    before = hub.position()

    interaction_id = feedback(hub, partner, customer, kind="issue", subject="Router keeps failing",
                              text="Three units rebooted overnight.")

    interaction = hub.load(Interaction, interaction_id)
    case = hub.load(Case, interaction.case_id)
    assert (case.customer_id, case.channel, case.case_type, case.priority, case.status) == (
        customer, "partner", "incident", "normal", "open")
    assert (case.subject, case.description) == ("Router keeps failing",
                                                "Three units rebooted overnight.")
    assert len(events_since(hub, before)) == 2


def test_feedback_on_a_customer_known_by_a_deal(hub: CrmHub) -> None:
    partner = a_partner(hub)
    deal = a_deal(hub, partner)
    customer = hub.load(DealRegistration, deal).customer_id
    assert customer is not None
    stranger = a_customer(hub)

    assert feedback(hub, partner, customer, purpose=None, deal_ids=[deal])
    with records_nothing(hub), pytest.raises(NotFoundError):
        feedback(hub, partner, stranger, purpose=None, deal_ids=[deal])


@pytest.mark.parametrize(("changes", "field"), [
    ({"kind": "praise"}, "kind"),
    ({"subject": " "}, "subject"),
    ({"text": ""}, "text"),
    ({"text": "x" * 4001}, "text"),
    ({"customer_id": "banana"}, "customerId"),
])
def test_bad_feedback_is_refused(hub: CrmHub, changes: dict[str, Any], field: str) -> None:
    partner = a_partner(hub)
    customer = a_known_customer(hub, partner)
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        feedback(hub, partner, customer, **changes)
    assert error.value.field == field


def test_feedback_on_a_customer_the_partner_may_not_know_is_refused(hub: CrmHub) -> None:
    partner, other = a_partner(hub), a_partner(hub, "Other AB")
    theirs = a_known_customer(hub, other)
    stranger = a_customer(hub)
    with records_nothing(hub):
        for customer in (theirs, stranger, uuid4()):
            with pytest.raises(NotFoundError) as error:
                feedback(hub, partner, customer, kind="issue")
            assert (error.value.kind, error.value.id) == ("customer", customer)


def test_a_terminated_partner_sends_no_feedback(hub: CrmHub) -> None:
    partner = a_partner(hub)
    customer = a_known_customer(hub, partner)
    hub.terminate_partner(actor=ADMIN, partner_id=partner, reason="contract ended")
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        feedback(hub, partner, customer)
