"""Marketing audiences: a campaign messages only customers with a live grant to us for what
its channel needs, through the hub's send commands; and the consent view that lists them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from api.store import CrmHub
from domain.errors import InvalidTransitionError, InvalidValueError
from domain.marketing import Campaign, CampaignMessage
from domain.values import Channel
from privacy.audiences import REACH, NoConsentError, covering_names, reach_of
from privacy.vocabulary import covers, vocabulary
from projections.consent import ConsentView, consenting_customers
from projections.database import ViewDatabase
from projections.runner import ProjectionRunner
from tests.stories import events_since, records_nothing, tables
from tests.unit.marketing_stories import MARKETER, new_campaign, register

NOW = datetime.now(UTC)
LAST_YEAR = NOW - timedelta(days=365)


def grant(hub: CrmHub, customer_id: UUID, **changes: Any) -> UUID:
    """A grant to us of email marketing to the customer's email address, given last year."""
    arguments = {"recipient": "organisation", "purpose": "marketing.communications.email",
                 "categories": ["user.contact.email"], "channel": "web",
                 "notice_version": "newsletter-v1", "occurred_at": LAST_YEAR, **changes}
    return hub.grant_consent(actor="clerk", customer_id=customer_id, **arguments)


def launched(hub: CrmHub, channel: str = "email", **changes: Any) -> UUID:
    campaign_id = new_campaign(hub, channel=channel, **changes)
    hub.launch_campaign(actor=MARKETER, campaign_id=campaign_id)
    return campaign_id


def send(hub: CrmHub, campaign_id: UUID, customer_id: UUID, **kwargs: Any) -> UUID:
    return hub.send_campaign_message(actor=MARKETER, campaign_id=campaign_id,
                                     customer_id=customer_id, **kwargs)


def send_batch(hub: CrmHub, campaign_id: UUID, customer_ids: list[UUID], **kwargs: Any) -> Any:
    return hub.send_campaign_messages(actor=MARKETER, campaign_id=campaign_id,
                                      customer_ids=customer_ids, **kwargs)


def refused(hub: CrmHub, campaign_id: UUID, customer_id: UUID) -> list[str]:
    """Both ways to send refuse the customer and record nothing; the errors' messages."""
    messages = []
    for attempt in (lambda: send(hub, campaign_id, customer_id),
                    lambda: send_batch(hub, campaign_id, [customer_id])):
        with records_nothing(hub), pytest.raises(InvalidTransitionError) as raised:
            attempt()
        assert raised.value.code == "CONFLICT"
        messages.append(raised.value.message)
    return messages


@pytest.fixture
def ada(hub: CrmHub) -> UUID:
    return register(hub, "Ada")


@pytest.fixture
def campaign_id(hub: CrmHub) -> UUID:
    return launched(hub)


# -- who is refused -------------------------------------------------------------------------


def test_a_customer_who_never_consented_is_refused(hub, campaign_id, ada) -> None:
    single, batch = refused(hub, campaign_id, ada)

    assert single == (f"customer {ada} has no live consent to marketing.communications.email"
                      f" with user.contact.email: campaign {campaign_id} on email may not"
                      " message them")
    assert batch == single + " (customerIds[0])"


@pytest.mark.parametrize("changes", [
    {"purpose": "marketing.communications.sms"},
    {"purpose": "sales"},
    {"categories": ["user.name", "user.contact.phone_number"]},
    {"recipient": "partner", "partner_id": uuid4()},
    {"recipient": "partner_category", "partner_category": "reseller"},
], ids=["another purpose", "not marketing", "another category", "a partner",
        "a partner category"])
def test_a_grant_for_something_else_does_not_let_the_campaign_message_them(
    hub, campaign_id, ada, changes
) -> None:
    grant(hub, ada, **changes)
    refused(hub, campaign_id, ada)


def test_a_withdrawn_grant_no_longer_counts(hub, campaign_id, ada) -> None:
    grant_id = grant(hub, ada)
    hub.withdraw_consent(actor="clerk", customer_id=ada, grant_id=grant_id, channel="phone")
    refused(hub, campaign_id, ada)


def test_an_expired_grant_no_longer_counts(hub, campaign_id, ada) -> None:
    grant(hub, ada, expires_at=NOW - timedelta(days=1))
    refused(hub, campaign_id, ada)


def test_an_erased_customer_is_refused_whatever_they_granted(hub, campaign_id, ada) -> None:
    grant(hub, ada)
    hub.erase_customer(actor="admin", customer_id=ada)
    messages = refused(hub, campaign_id, ada)
    assert all("was erased" in message for message in messages)


def test_consent_is_judged_at_the_time_of_the_send(hub, ada) -> None:
    """A send backdated to before the grant was given is refused; one backdated to while a
    grant that is withdrawn now was live goes out."""
    campaign_id = launched(hub, starts_on=(NOW - timedelta(days=20)).date())
    grant_id = grant(hub, ada, occurred_at=NOW - timedelta(days=10))
    with records_nothing(hub), pytest.raises(NoConsentError):
        send(hub, campaign_id, ada, occurred_at=NOW - timedelta(days=15))
    hub.withdraw_consent(actor="clerk", customer_id=ada, grant_id=grant_id, channel="email")

    sent = send(hub, campaign_id, ada, occurred_at=NOW - timedelta(days=5))

    message = hub.load(CampaignMessage, sent)
    assert message.occurred_on == NOW - timedelta(days=5)


# -- who is messaged ------------------------------------------------------------------------


def test_a_live_grant_lets_the_campaign_message_them(hub, campaign_id, ada) -> None:
    grant(hub, ada)
    start = hub.position()

    message_id = send(hub, campaign_id, ada)

    (event,) = events_since(hub, start)
    assert isinstance(event, CampaignMessage.Sent)
    assert (event.originator_id, event.customer_id) == (message_id, ada)


@pytest.mark.parametrize(("purpose", "categories"), [
    ("marketing", ["user.contact.email"]),
    ("marketing.communications", ["user.contact"]),
    ("marketing.communications.email", ["user"]),
    ("marketing.communications.email", ["user.name", "user.contact.email"]),
])
def test_a_broader_grant_covers_the_campaign(hub, campaign_id, ada, purpose, categories) -> None:
    grant(hub, ada, purpose=purpose, categories=categories)
    send(hub, campaign_id, ada)


def test_one_customer_without_consent_refuses_the_whole_batch_naming_them(
    hub, campaign_id
) -> None:
    ada, bob, cyd = (register(hub, name) for name in ("Ada", "Bob", "Cyd"))
    grant(hub, ada)
    grant(hub, cyd)

    with records_nothing(hub), pytest.raises(NoConsentError) as raised:
        send_batch(hub, campaign_id, [ada, bob, cyd])

    assert raised.value.message.startswith(f"customer {bob} has no live consent")
    assert raised.value.message.endswith("(customerIds[1])")
    assert len(send_batch(hub, campaign_id, [ada, cyd])) == 2


def test_what_the_send_refuses_anyway_keeps_its_own_error(hub, ada) -> None:
    """A draft campaign is refused as a draft, not for want of consent."""
    draft = new_campaign(hub)
    with records_nothing(hub), pytest.raises(InvalidTransitionError) as raised:
        send(hub, draft, ada)
    assert "only a launched campaign can be sent" in raised.value.message


# -- every channel --------------------------------------------------------------------------


@pytest.mark.parametrize("channel", list(Channel))
def test_every_channel_needs_a_purpose_and_a_category_of_the_vocabulary(hub, ada,
                                                                         channel) -> None:
    reach = reach_of(channel)
    terms = vocabulary()
    assert reach.purpose == terms.purpose(reach.purpose, "purpose")
    assert reach.category == terms.category(reach.category, "category")
    assert covers("marketing", reach.purpose)
    campaign_id = launched(hub, channel.value)
    refused(hub, campaign_id, ada)

    grant(hub, ada, purpose=reach.purpose, categories=[reach.category])

    send(hub, campaign_id, ada)


def test_every_channel_has_its_reach() -> None:
    assert set(REACH) == set(Channel)


@pytest.mark.parametrize("name", ["marketing", "marketing.communications.email", "user.contact"])
def test_the_covering_names_are_the_names_that_cover(name) -> None:
    every = [term.name for term in (*vocabulary().purposes, *vocabulary().categories)]
    assert covering_names(name) == [other for other in every if covers(other, name)]


# -- the consent view -----------------------------------------------------------------------


@pytest.fixture
def runner(hub: CrmHub, views: ViewDatabase) -> ProjectionRunner:
    runner = ProjectionRunner(hub, views, [ConsentView()], page_size=2)
    runner.setup()
    return runner


def email_candidates(views: ViewDatabase, at: datetime = NOW, **kwargs: Any) -> Any:
    reach = reach_of("email")
    return consenting_customers(views, recipient="organisation",
                                purposes=covering_names(reach.purpose),
                                categories=covering_names(reach.category), at=at, **kwargs)


def test_the_consent_view_lists_the_customers_with_a_live_grant(hub, views, runner) -> None:
    live, broad, withdrawn, expired, partner, other, erased = (
        register(hub, name) for name in ("Live", "Broad", "Withdrawn", "Expired", "Partner",
                                          "Other", "Erased"))
    grant(hub, live)
    grant(hub, broad, purpose="marketing", categories=["user"])
    stopped = grant(hub, withdrawn)
    hub.withdraw_consent(actor="clerk", customer_id=withdrawn, grant_id=stopped, channel="email",
                         occurred_at=NOW - timedelta(days=30))
    grant(hub, expired, expires_at=NOW - timedelta(days=1))
    grant(hub, partner, recipient="partner", partner_id=uuid4())
    grant(hub, other, purpose="marketing.communications.sms")
    grant(hub, erased)
    hub.erase_customer(actor="admin", customer_id=erased)
    runner.catch_up()

    now = email_candidates(views, first=10)
    assert [customer for _, customer in now.items] == sorted([str(live), str(broad)])
    assert not now.has_next_page
    before = email_candidates(views, at=NOW - timedelta(days=60), first=10)
    assert sorted(c for _, c in before.items) == sorted(map(str, (live, broad, withdrawn, expired)))
    first = email_candidates(views, first=1)
    rest = email_candidates(views, first=1, after=first.end_cursor)
    assert first.has_next_page and not rest.has_next_page
    assert [c for page in (first, rest) for _, c in page.items] == sorted([str(live), str(broad)])


def test_the_consent_view_rebuilt_equals_the_view_kept_current(hub, views, runner) -> None:
    customers = [register(hub, name) for name in ("Ada", "Bob", "Cyd")]
    for customer in customers:
        grant(hub, customer, categories=["user.name", "user.contact.email"])
    runner.catch_up()
    hub.withdraw_consent(actor="clerk", customer_id=customers[1],
                         grant_id=grant(hub, customers[1]), channel="phone")
    hub.erase_customer(actor="admin", customer_id=customers[2])
    runner.catch_up()
    kept = tables(views, ConsentView.tables)
    assert len(kept["view_consent_grants"]) == 5

    runner.reset()
    runner.catch_up()
    assert tables(views, ConsentView.tables) == kept


@pytest.mark.parametrize(("call", "field"), [
    (lambda views: email_candidates(views, first=0), "first"),
    (lambda views: email_candidates(views, first=10, after="nonsense"), "after"),
])
def test_bad_view_arguments_name_their_field(runner, views,
                                             call: Callable[[ViewDatabase], Any], field) -> None:
    with pytest.raises(InvalidValueError) as raised:
        call(views)
    assert raised.value.field == field


def test_a_lead_s_grant_is_no_campaign_audience_and_leaves_with_its_customer(
        hub: CrmHub, views: ViewDatabase) -> None:
    runner = ProjectionRunner(hub, views, [ConsentView()])
    runner.setup()
    lead = hub.capture_lead(actor="sam", source="web_form", channel="web", given_name="Bo",
                            email="bo@example.com")
    hub.grant_consent(actor="clerk", lead_id=lead, recipient="organisation",
                      purpose="marketing.communications.email",
                      categories=["user.contact.email"], channel="web", notice_version="v1")
    runner.catch_up()
    candidates = consenting_customers(views, recipient="organisation",
                                      purposes=["marketing.communications.email"],
                                      categories=["user.contact.email"],
                                      at=datetime.now(UTC), first=10)
    assert [customer for _, customer in candidates.items] == [str(lead)]  # a candidate only
    campaign = hub.load(Campaign, launched(hub))
    assert not hub.in_audience(campaign, lead, datetime.now(UTC))  # the log: not a customer

    hub.qualify_lead(actor="sam", lead_id=lead)
    customer = hub.convert_lead(actor="sam", lead_id=lead, opportunity_name="Deal", amount="1",
                                currency="EUR", expected_close_date=NOW.date() + timedelta(days=9))
    hub.erase_customer(actor="dpo", customer_id=customer.customer_id)
    runner.catch_up()
    assert tables(views, ["view_consent_grants"]) == {"view_consent_grants": []}
