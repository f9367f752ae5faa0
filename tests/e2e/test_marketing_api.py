"""Campaigns, their messages and customers' responses through GraphQL over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.hub import Hub
from tests.unit.marketing_stories import consent_over_graphql

TODAY = datetime.now(UTC).date()
UNKNOWN = "00000000-0000-4000-8000-000000000000"

CAMPAIGN_FIELDS = """id version name channel budget { amount currency } startsOn endsOn status
                     purpose description"""
MESSAGE_FIELDS = """id version campaignId customerId channel responses { response count }
                    convertedValue { amount currency } unsubscribed"""

CREATE = f"""mutation ($input: CreateCampaignInput!) {{
  createCampaign(input: $input) {{ {CAMPAIGN_FIELDS} }} }}"""
LAUNCH = """mutation ($input: LaunchCampaignInput!) {
  launchCampaign(input: $input) { version status } }"""
COMPLETE = """mutation ($input: CompleteCampaignInput!) {
  completeCampaign(input: $input) { version status } }"""
CANCEL = """mutation ($input: CancelCampaignInput!) {
  cancelCampaign(input: $input) { version status } }"""
SEND = f"""mutation ($input: SendCampaignMessageInput!) {{
  sendCampaignMessage(input: $input) {{ {MESSAGE_FIELDS} }} }}"""
SEND_BATCH = """mutation ($input: SendCampaignMessagesInput!) {
  sendCampaignMessages(input: $input) { ids count } }"""
RESPOND = f"""mutation ($input: RecordCampaignResponseInput!) {{
  recordCampaignResponse(input: $input) {{ {MESSAGE_FIELDS} }} }}"""
CAMPAIGN = f"""query ($id: ID!) {{ campaign(id: $id) {{ {CAMPAIGN_FIELDS} }} }}"""
MESSAGE = f"""query ($campaignId: ID!, $customerId: ID!) {{
  campaignMessage(campaignId: $campaignId, customerId: $customerId) {{ {MESSAGE_FIELDS} }} }}"""


def create_campaign(gql, **fields) -> dict:
    payload = {"name": "Spring sale", "channel": "EMAIL", "budget": "1500", "currency": "EUR",
               "startsOn": (TODAY - timedelta(days=1)).isoformat(),
               "endsOn": (TODAY + timedelta(days=30)).isoformat(), **fields}
    return gql.ok(CREATE, {"input": payload}, role="marketing")["createCampaign"]


def launched_campaign(gql) -> str:
    campaign_id = create_campaign(gql)["id"]
    gql.ok(LAUNCH, {"input": {"id": campaign_id}}, role="marketing")
    return campaign_id


def register_customer(gql, name: str = "Ada") -> str:
    """A customer who allows our marketing: one a campaign may message."""
    register = """mutation ($name: String!) {
      registerCustomer(input: {kind: PERSON, givenName: $name}) { id } }"""
    customer_id = gql.ok(register, {"name": name})["registerCustomer"]["id"]
    consent_over_graphql(gql, customer_id)
    return customer_id


def send(gql, campaign_id: str, customer_id: str) -> dict:
    variables = {"input": {"campaignId": campaign_id, "customerId": customer_id}}
    return gql.ok(SEND, variables, role="marketing")["sendCampaignMessage"]


def _response(campaign_id: str, customer_id: str, response: str, **fields) -> dict:
    return {"input": {"campaignId": campaign_id, "customerId": customer_id,
                      "response": response, **fields}}


def respond(gql, *args, **fields) -> dict:
    """Record a response that must be accepted; return the message."""
    return gql.ok(RESPOND, _response(*args, **fields), role="marketing")["recordCampaignResponse"]


def refused(gql, *args, **fields) -> dict:
    """Record a response that must be refused; return the error."""
    return gql.error(RESPOND, _response(*args, **fields), role="marketing")


# -- campaigns --------------------------------------------------------------------------


def test_a_campaign_is_created_as_a_draft_launched_and_completed(gql, hub: Hub):
    created = create_campaign(gql, purpose="Clear the winter stock",
                              description="Ten percent off every router")
    assert created == {
        "id": created["id"], "version": 1, "name": "Spring sale", "channel": "EMAIL",
        "budget": {"amount": "1500.00", "currency": "EUR"},
        "startsOn": (TODAY - timedelta(days=1)).isoformat(),
        "endsOn": (TODAY + timedelta(days=30)).isoformat(), "status": "DRAFT",
        "purpose": "Clear the winter stock", "description": "Ten percent off every router"}
    (notification,) = hub.notification_log.select(start=hub.position(), limit=1)
    assert hub.mapper.to_domain_event(notification).actor == "marketing-user"

    launched = gql.ok(LAUNCH, {"input": {"id": created["id"], "expectedVersion": 1}},
                      role="marketing")
    assert launched["launchCampaign"] == {"version": 2, "status": "LAUNCHED"}
    completed = gql.ok(COMPLETE, {"input": {"id": created["id"], "expectedVersion": 2}},
                       role="marketing")
    assert completed["completeCampaign"] == {"version": 3, "status": "COMPLETED"}

    read = gql.ok(CAMPAIGN, {"id": created["id"]}, role="analytics")["campaign"]
    assert read == {**created, "version": 3, "status": "COMPLETED"}


def test_a_draft_or_launched_campaign_is_cancelled_once(gql, hub: Hub):
    draft = create_campaign(gql)["id"]
    cancelled = gql.ok(CANCEL, {"input": {"id": draft, "reason": "budget withdrawn"}},
                       role="marketing")
    assert cancelled["cancelCampaign"] == {"version": 2, "status": "CANCELLED"}
    launched = launched_campaign(gql)
    assert gql.ok(CANCEL, {"input": {"id": launched}})["cancelCampaign"]["status"] == "CANCELLED"

    before = hub.position()
    for mutation in (CANCEL, LAUNCH, COMPLETE):
        error = gql.error(mutation, {"input": {"id": draft}})
        assert error["extensions"]["code"] == "CONFLICT"
        assert "cancelled" in error["message"]
    assert hub.position() == before


def test_only_a_launched_campaign_is_completed(gql, hub: Hub):
    draft = create_campaign(gql)["id"]
    before = hub.position()
    error = gql.error(COMPLETE, {"input": {"id": draft}})
    assert error["extensions"]["code"] == "CONFLICT"
    assert "only a launched campaign can be completed" in error["message"]
    assert hub.position() == before


def test_a_campaign_whose_period_is_over_cannot_be_launched(gql, hub: Hub):
    past = create_campaign(gql, startsOn=(TODAY - timedelta(days=30)).isoformat(),
                           endsOn=(TODAY - timedelta(days=1)).isoformat())
    before = hub.position()
    error = gql.error(LAUNCH, {"input": {"id": past["id"]}})
    assert error["extensions"]["code"] == "CONFLICT"
    assert "cannot be launched" in error["message"]
    assert hub.position() == before


def test_bad_campaign_input_names_the_field_and_records_nothing(gql, hub: Hub):
    before = hub.position()
    base = {"name": "Spring sale", "channel": "EMAIL", "budget": "1500", "currency": "EUR",
            "startsOn": "2026-03-01", "endsOn": "2026-03-31"}
    for changes, field in [({"name": ""}, "name"),
                           ({"description": "x" * 4001}, "description"),
                           ({"endsOn": "2026-02-28"}, "endsOn"),
                           ({"currency": "euro"}, "currency"),
                           ({"budget": "-5"}, "budget"),
                           ({"budget": "12.345"}, "budget")]:
        error = gql.error(CREATE, {"input": {**base, **changes}})
        assert error["extensions"]["code"] == "BAD_USER_INPUT", changes
        assert error["extensions"]["field"] == field, changes
    literal = {"name": '"Spring sale"', "channel": "EMAIL", "budget": '"1500"',
               "currency": '"EUR"', "startsOn": '"2026-03-01"', "endsOn": '"2026-03-31"'}
    for changes, complaint in [({"channel": "PIGEON"}, "PIGEON"),
                               ({"startsOn": '"2026-02-30"'}, "Date"),
                               ({"endsOn": '"2026-03-31T10:00:00+00:00"'}, "Date"),
                               ({"budget": '"lots"'}, "Decimal")]:
        fields = ", ".join(f"{name}: {value}" for name, value in {**literal, **changes}.items())
        error = gql.error(f"mutation {{ createCampaign(input: {{{fields}}}) {{ id }} }}")
        assert error["extensions"]["code"] == "BAD_USER_INPUT", changes
        assert complaint in error["message"], changes
    assert hub.position() == before


@pytest.mark.parametrize("changes", [{"channel": "PIGEON"}, {"startsOn": "2026-02-30"},
                                     {"budget": "lots"}, {"name": None}, {"extra": 1}])
def test_variables_the_schema_refuses_are_bad_user_input(gql, hub: Hub, changes):
    before = hub.position()
    error = gql.error(CREATE, {"input": {"name": "Spring sale", "channel": "EMAIL",
                                         "budget": "1500", "currency": "EUR",
                                         "startsOn": "2026-03-01", "endsOn": "2026-03-31",
                                         **changes}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "$input" in error["message"]
    assert hub.position() == before


def test_a_stale_expected_version_is_a_conflict(gql, hub: Hub):
    campaign_id = launched_campaign(gql)
    before = hub.position()
    for mutation in (COMPLETE, CANCEL):
        error = gql.error(mutation, {"input": {"id": campaign_id, "expectedVersion": 1}})
        assert error["extensions"]["code"] == "CONFLICT"
        assert "version 2" in error["message"]
    error = gql.error(LAUNCH, {"input": {"id": campaign_id, "expectedVersion": 0}})
    assert error["extensions"]["field"] == "expectedVersion"
    assert hub.position() == before


def test_an_unknown_campaign_is_not_found(gql, hub: Hub):
    customer_id = register_customer(gql)
    before = hub.position()
    error = gql.error(CAMPAIGN, {"id": UNKNOWN})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["message"] == f"campaign {UNKNOWN} not found"
    assert gql.error(CAMPAIGN, {"id": "banana"})["extensions"]["code"] == "BAD_USER_INPUT"
    for mutation in (LAUNCH, COMPLETE, CANCEL):
        assert gql.error(mutation, {"input": {"id": UNKNOWN}})["extensions"]["code"] == "NOT_FOUND"
    error = gql.error(SEND, {"input": {"campaignId": UNKNOWN, "customerId": customer_id}})
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = gql.error(MESSAGE, {"campaignId": UNKNOWN, "customerId": customer_id})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert hub.position() == before


# -- messages and responses ---------------------------------------------------------------


def test_a_message_is_sent_once_and_its_responses_are_counted(gql, hub: Hub):
    campaign_id = launched_campaign(gql)
    customer_id = register_customer(gql)
    sent = send(gql, campaign_id, customer_id)
    assert sent == {"id": sent["id"], "version": 1, "campaignId": campaign_id,
                    "customerId": customer_id, "channel": "EMAIL", "responses": [],
                    "convertedValue": None, "unsubscribed": False}

    respond(gql, campaign_id, customer_id, "OPENED")
    respond(gql, campaign_id, customer_id, "DELIVERED", expectedVersion=2)
    respond(gql, campaign_id, customer_id, "OPENED")
    converted = respond(gql, campaign_id, customer_id, "CONVERTED", value="120.5")
    assert converted["version"] == 5
    assert converted["responses"] == [{"response": "DELIVERED", "count": 1},
                                      {"response": "OPENED", "count": 2},
                                      {"response": "CONVERTED", "count": 1}]
    assert converted["convertedValue"] == {"amount": "120.50", "currency": "EUR"}

    read = gql.ok(MESSAGE, {"campaignId": campaign_id, "customerId": customer_id},
                  role="sales")["campaignMessage"]
    assert read == converted

    before = hub.position()
    error = gql.error(SEND, {"input": {"campaignId": campaign_id, "customerId": customer_id}})
    assert error["extensions"]["code"] == "CONFLICT"
    assert "already sent" in error["message"]
    assert hub.position() == before


def test_response_rules_are_enforced_and_record_nothing(gql, hub: Hub):
    campaign_id = launched_campaign(gql)
    customer_id = register_customer(gql)
    send(gql, campaign_id, customer_id)
    respond(gql, campaign_id, customer_id, "DELIVERED")

    before = hub.position()
    error = refused(gql, campaign_id, customer_id, "CLICKED", value="10")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "value"}
    error = refused(gql, campaign_id, customer_id, "CONVERTED", value="-10")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "value"}
    error = refused(gql, campaign_id, customer_id, "DELIVERED")
    assert error["extensions"]["code"] == "CONFLICT"
    assert "only once" in error["message"]
    error = refused(gql, campaign_id, customer_id, "OPENED", expectedVersion=1)
    assert error["extensions"]["code"] == "CONFLICT"
    error = refused(gql, campaign_id, customer_id, "BOUNCED")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "BOUNCED" in error["message"]
    assert hub.position() == before

    unsubscribed = respond(gql, campaign_id, customer_id, "UNSUBSCRIBED")
    assert unsubscribed["unsubscribed"] is True
    before = hub.position()
    error = refused(gql, campaign_id, customer_id, "OPENED")
    assert error["extensions"]["code"] == "CONFLICT"
    assert "unsubscribed" in error["message"]
    assert hub.position() == before


def test_responses_to_a_message_never_sent_are_not_found(gql, hub: Hub):
    campaign_id = launched_campaign(gql)
    customer_id = register_customer(gql)
    before = hub.position()
    error = refused(gql, campaign_id, customer_id, "OPENED")
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["message"].startswith("campaign message ")
    error = refused(gql, campaign_id, UNKNOWN, "OPENED")
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["message"] == f"customer {UNKNOWN} not found"
    error = gql.error(MESSAGE, {"campaignId": campaign_id, "customerId": customer_id})
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = gql.error(MESSAGE, {"campaignId": campaign_id, "customerId": "banana"})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "customerId"}
    assert hub.position() == before


def test_only_a_launched_campaign_sends(gql, hub: Hub):
    draft = create_campaign(gql)["id"]
    launched = launched_campaign(gql)
    customer_id = register_customer(gql)
    before = hub.position()
    error = gql.error(SEND, {"input": {"campaignId": draft, "customerId": customer_id}})
    assert error["extensions"]["code"] == "CONFLICT"
    assert "only a launched campaign can be sent" in error["message"]
    error = gql.error(SEND, {"input": {"campaignId": launched, "customerId": UNKNOWN}})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert hub.position() == before


def test_a_batch_is_sent_whole_or_not_at_all(gql, hub: Hub):
    campaign_id = launched_campaign(gql)
    customers = [register_customer(gql, name) for name in ("Ada", "Bob", "Cyd")]
    sent = gql.ok(SEND_BATCH, {"input": {"campaignId": campaign_id,
                                         "customerIds": customers[:2]}}, role="marketing")
    assert sent["sendCampaignMessages"]["count"] == 2
    first = gql.ok(MESSAGE, {"campaignId": campaign_id, "customerId": customers[0]})
    assert sent["sendCampaignMessages"]["ids"][0] == first["campaignMessage"]["id"]

    before = hub.position()
    for customer_ids, code, field in [
        ([customers[2], UNKNOWN], "NOT_FOUND", None),
        ([customers[2], customers[1]], "CONFLICT", None),
        ([customers[2], customers[2]], "BAD_USER_INPUT", "customerIds[1]"),
        ([customers[2], "banana"], "BAD_USER_INPUT", "customerIds[1]"),
        ([], "BAD_USER_INPUT", "customerIds"),
    ]:
        error = gql.error(SEND_BATCH, {"input": {"campaignId": campaign_id,
                                                 "customerIds": customer_ids}})
        assert error["extensions"]["code"] == code, customer_ids
        assert error["extensions"].get("field") == field, customer_ids
    assert hub.position() == before
    error = gql.error(MESSAGE, {"campaignId": campaign_id, "customerId": customers[2]})
    assert error["extensions"]["code"] == "NOT_FOUND"


# -- who may do what ----------------------------------------------------------------------


@pytest.fixture
def sent_message(gql) -> dict[str, str]:
    """A launched campaign that has sent its message to one customer; a second customer."""
    campaign_id = launched_campaign(gql)
    customer_id = register_customer(gql)
    send(gql, campaign_id, customer_id)
    return {"campaignId": campaign_id, "customerId": customer_id,
            "otherCustomerId": register_customer(gql, "Bob")}


def _mutations(ids: dict[str, str]) -> list[tuple[str, dict]]:
    """Every marketing mutation, with input naming a real campaign and customers."""
    fresh = {"name": "Autumn", "channel": "SMS", "budget": "10", "currency": "EUR",
             "startsOn": TODAY.isoformat(), "endsOn": TODAY.isoformat()}
    campaign, customer, other = ids["campaignId"], ids["customerId"], ids["otherCustomerId"]
    return [
        (CREATE, fresh),
        (LAUNCH, {"id": campaign}),
        (COMPLETE, {"id": campaign}),
        (CANCEL, {"id": campaign}),
        (SEND, {"campaignId": campaign, "customerId": other}),
        (SEND_BATCH, {"campaignId": campaign, "customerIds": [other]}),
        (RESPOND, {"campaignId": campaign, "customerId": customer, "response": "OPENED"}),
    ]


@pytest.mark.parametrize("role", ["sales", "service", "analytics", "auditor"])
def test_roles_without_marketing_write_may_not_change_anything(gql, hub: Hub, sent_message,
                                                                role):
    before = hub.position()
    for mutation, payload in _mutations(sent_message):
        error = gql.error(mutation, {"input": payload}, role=role)
        assert error["extensions"]["code"] == "FORBIDDEN", mutation
        assert error["message"] == "your role may not marketing:write"
    assert hub.position() == before


@pytest.mark.parametrize("role", ["admin", "marketing", "sales", "analytics", "auditor"])
def test_roles_with_marketing_read_see_campaigns_and_messages(gql, sent_message, role):
    campaign_id = sent_message["campaignId"]
    assert gql.ok(CAMPAIGN, {"id": campaign_id}, role=role)["campaign"]["id"] == campaign_id
    message = gql.ok(MESSAGE, {"campaignId": campaign_id,
                               "customerId": sent_message["customerId"]}, role=role)
    assert message["campaignMessage"]["customerId"] == sent_message["customerId"]


def test_service_may_not_read_marketing(gql, sent_message):
    error = gql.error(CAMPAIGN, {"id": sent_message["campaignId"]}, role="service")
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["message"] == "your role may not marketing:read"
    error = gql.error(MESSAGE, {"campaignId": sent_message["campaignId"],
                                "customerId": sent_message["customerId"]}, role="service")
    assert error["extensions"]["code"] == "FORBIDDEN"


def test_reading_a_campaign_needs_a_token(gql, sent_message):
    error = gql.error(CAMPAIGN, {"id": sent_message["campaignId"]}, role=None)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
