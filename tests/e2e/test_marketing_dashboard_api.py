"""The marketing dashboard over HTTP: campaign and channel reports read their writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.hub import Hub
from projections.pages import encode_cursor
from tests.unit.marketing_stories import consent_over_graphql

NOW = datetime.now(UTC)
TODAY = NOW.date()
UNKNOWN = "00000000-0000-4000-8000-000000000000"

MONEY = "{ amount currency }"
REACH = """audience sent delivered opened clicked converted unsubscribed opens clicks
           attributedPurchases"""
REPORT_FIELDS = f"""id name channel status startsOn endsOn budget {MONEY} {REACH}
                    costPerConversion {MONEY} conversionValue {MONEY} attributedRevenue {MONEY}"""
REPORT = f"""query ($id: ID!, $days: Int! = 30) {{
  campaignReport(id: $id, attributionDays: $days) {{ {REPORT_FIELDS} }} }}"""
REPORTS = """query ($status: CampaignStatus, $channel: Channel, $first: Int! = 20, $after: String,
                   $days: Int! = 30) {
  campaignReports(status: $status, channel: $channel, first: $first, after: $after,
                  attributionDays: $days) {
    edges { cursor node { name status } } pageInfo { hasNextPage endCursor } } }"""
CHANNELS = f"""query ($since: Date!, $until: Date!, $statuses: [CampaignStatus!], $days: Int! = 30) {{
  channelReports(since: $since, until: $until, statuses: $statuses, attributionDays: $days) {{
    channel campaigns {REACH} budget {MONEY} costPerConversion {MONEY}
    conversionValue {MONEY} attributedRevenue {MONEY} }} }}"""

CREATE = """mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }"""
LAUNCH = """mutation ($id: ID!) { launchCampaign(input: {id: $id}) { status } }"""
SEND = """mutation ($input: SendCampaignMessagesInput!) { sendCampaignMessages(input: $input) { count } }"""
RESPOND = """mutation ($input: RecordCampaignResponseInput!) {
  recordCampaignResponse(input: $input) { id } }"""
BUY = """mutation ($input: RecordPurchaseInput!) { recordPurchase(input: $input) { id } }"""


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def create(gql, name: str, channel: str = "EMAIL", budget: str = "300", currency: str = "EUR",
           starts: int = -1, ends: int = 30) -> str:
    payload = {"name": name, "channel": channel, "budget": budget, "currency": currency,
               "startsOn": day(starts), "endsOn": day(ends)}
    return gql.ok(CREATE, {"input": payload}, role="marketing")["createCampaign"]["id"]


def launched(gql, name: str, **fields) -> str:
    campaign_id = create(gql, name, **fields)
    gql.ok(LAUNCH, {"id": campaign_id}, role="marketing")
    return campaign_id


def register(gql, name: str) -> str:
    """A customer who allows our marketing: one a campaign may message."""
    customer_id = gql.ok("""mutation ($name: String!) {
      registerCustomer(input: {kind: PERSON, givenName: $name}) { id } }""",
                         {"name": name})["registerCustomer"]["id"]
    consent_over_graphql(gql, customer_id)
    return customer_id


def respond(gql, campaign_id: str, customer_id: str, response: str, value: str | None = None) -> None:
    fields = {"campaignId": campaign_id, "customerId": customer_id, "response": response}
    if value is not None:
        fields["value"] = value
    gql.ok(RESPOND, {"input": fields}, role="marketing")


def buy(gql, customer_id: str, price: str, occurred_at: datetime | None = None) -> None:
    line = {"sku": "S-1", "productName": "Shoes", "quantity": 1, "unitPrice": price, "currency": "EUR"}
    payload = {"customerId": customer_id, "channel": "WEB", "lines": [line]}
    if occurred_at is not None:
        payload["occurredAt"] = occurred_at.isoformat()
    gql.ok(BUY, {"input": payload}, role="sales")


def spring_campaign(gql) -> str:
    """A launched email campaign to Ada, Bob and Cyd: two convert, one unsubscribes;
    Ada buys once before her conversion and once after it."""
    spring = launched(gql, "Spring email")
    ada, bob, cyd = (register(gql, name) for name in ("Ada", "Bob", "Cyd"))
    buy(gql, ada, "10.00", NOW - timedelta(days=1))  # before her conversion: not attributed
    gql.ok(SEND, {"input": {"campaignId": spring, "customerIds": [ada, bob, cyd]}}, role="marketing")
    for response in ("delivered", "opened", "opened", "clicked"):
        respond(gql, spring, ada, response.upper())
    respond(gql, spring, ada, "CONVERTED", "40")
    respond(gql, spring, bob, "DELIVERED")
    respond(gql, spring, bob, "CONVERTED", "25.50")
    respond(gql, spring, cyd, "UNSUBSCRIBED")
    buy(gql, ada, "20.00")
    return spring


def test_a_campaign_report_shows_reach_responses_cost_and_attributed_revenue(gql):
    spring = spring_campaign(gql)

    report = gql.ok(REPORT, {"id": spring}, role="marketing")["campaignReport"]

    assert report == {
        "id": spring, "name": "Spring email", "channel": "EMAIL", "status": "LAUNCHED",
        "startsOn": day(-1), "endsOn": day(30), "budget": money("300.00"),
        "audience": 3, "sent": 3, "delivered": 2, "opened": 1, "clicked": 1, "converted": 2,
        "unsubscribed": 1, "opens": 2, "clicks": 1, "attributedPurchases": 1,
        "costPerConversion": money("150.00"), "conversionValue": money("65.50"),
        "attributedRevenue": [money("20.00")],
    }
    for role in ("analytics", "auditor", "sales", "admin"):
        assert gql.ok(REPORT, {"id": spring}, role=role)["campaignReport"] == report


def test_a_campaign_without_conversions_has_no_cost_per_conversion(gql):
    draft = create(gql, "Autumn sms", channel="SMS", budget="99.99")

    report = gql.ok(REPORT, {"id": draft})["campaignReport"]

    assert (report["status"], report["channel"], report["budget"]) == ("DRAFT", "SMS", money("99.99"))
    assert (report["audience"], report["converted"], report["costPerConversion"]) == (0, 0, None)
    assert (report["conversionValue"], report["attributedRevenue"]) == (money("0.00"), [])


def test_the_attribution_window_is_an_argument(client, gql, hub: Hub):
    """Given Ada converted ten days ago and bought five days ago (written through the hub,
    which alone may date the facts), the purchase counts in a 30-day window, not a 3-day one."""
    ada = register(gql, "Ada")
    started = NOW - timedelta(days=20)
    spring = hub.create_campaign(actor="marketer", name="Spring", channel="email", budget="10",
                                 currency="EUR", starts_on=started.date(), ends_on=TODAY,
                                 occurred_at=started)
    hub.launch_campaign(actor="marketer", campaign_id=spring, occurred_at=started)
    hub.send_campaign_message(actor="marketer", campaign_id=spring, customer_id=ada,
                              occurred_at=started)
    hub.record_campaign_response(actor="marketer", campaign_id=spring, customer_id=ada,
                                 response="converted", occurred_at=NOW - timedelta(days=10))
    client.app.state.runner.wait_for(hub.position(), 5)
    buy(gql, ada, "7.00", NOW - timedelta(days=5))

    month = gql.ok(REPORT, {"id": str(spring)})["campaignReport"]
    assert (month["attributedPurchases"], month["attributedRevenue"]) == (1, [money("7.00")])
    days = gql.ok(REPORT, {"id": str(spring), "days": 3})["campaignReport"]
    assert (days["attributedPurchases"], days["attributedRevenue"]) == (0, [])
    listed = gql.ok(REPORTS.replace("name status", "attributedPurchases"), {"days": 3})
    assert [e["node"] for e in listed["campaignReports"]["edges"]] == [{"attributedPurchases": 0}]


def test_campaign_reports_are_filtered_and_paged_latest_start_first(gql):
    launched(gql, "Starts today", starts=0)
    launched(gql, "Started last week", channel="SMS", starts=-7)
    create(gql, "Starts tomorrow", starts=1)

    def names(data) -> list[str]:
        return [edge["node"]["name"] for edge in data["campaignReports"]["edges"]]

    first = gql.ok(REPORTS, {"first": 2}, role="analytics")
    assert names(first) == ["Starts tomorrow", "Starts today"]
    assert first["campaignReports"]["pageInfo"]["hasNextPage"]
    rest = gql.ok(REPORTS, {"first": 2, "after": first["campaignReports"]["pageInfo"]["endCursor"]})
    assert names(rest) == ["Started last week"]
    assert not rest["campaignReports"]["pageInfo"]["hasNextPage"]
    assert names(gql.ok(REPORTS, {"status": "LAUNCHED"})) == ["Starts today", "Started last week"]
    assert names(gql.ok(REPORTS, {"channel": "EMAIL"})) == ["Starts tomorrow", "Starts today"]
    assert names(gql.ok(REPORTS, {"status": "DRAFT", "channel": "SMS"})) == []


def test_channel_reports_sum_the_launched_and_completed_campaigns_by_default(gql):
    spring_campaign(gql)
    launched(gql, "Week of texts", channel="SMS", budget="100", starts=-7, ends=0)
    create(gql, "Draft email", budget="50")
    week = {"since": day(0), "until": day(7)}

    email, sms = gql.ok(CHANNELS, week, role="marketing")["channelReports"]

    assert email == {
        "channel": "EMAIL", "campaigns": 1, "audience": 3, "sent": 3, "delivered": 2, "opened": 1,
        "clicked": 1, "converted": 2, "unsubscribed": 1, "opens": 2, "clicks": 1,
        "attributedPurchases": 1, "budget": [money("300.00")],
        "costPerConversion": [money("150.00")], "conversionValue": [money("65.50")],
        "attributedRevenue": [money("20.00")],
    }
    assert (sms["channel"], sms["campaigns"], sms["audience"]) == ("SMS", 1, 0)
    assert (sms["budget"], sms["costPerConversion"]) == ([money("100.00")], [])

    (with_draft, _) = gql.ok(CHANNELS, {**week, "statuses": ["LAUNCHED", "DRAFT"]})["channelReports"]
    assert (with_draft["campaigns"], with_draft["budget"]) == (2, [money("350.00")])
    assert with_draft["costPerConversion"] == [money("175.00")]
    (drafts,) = gql.ok(CHANNELS, {**week, "statuses": ["DRAFT"]})["channelReports"]
    assert (drafts["channel"], drafts["campaigns"], drafts["converted"]) == ("EMAIL", 1, 0)
    assert gql.ok(CHANNELS, {**week, "statuses": []})["channelReports"] == []
    assert gql.ok(CHANNELS, {"since": day(40), "until": day(50)})["channelReports"] == []


def test_an_unknown_campaign_has_no_report(gql):
    assert gql.error(REPORT, {"id": UNKNOWN})["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(("query", "variables", "field"), [
    (REPORT, {"id": "not-an-id"}, "id"),
    (REPORT, {"id": UNKNOWN, "days": 0}, "attributionDays"),
    (REPORTS, {"first": 0}, "first"),
    (REPORTS, {"first": 500}, "first"),
    (REPORTS, {"after": "not-a-cursor"}, "after"),
    (REPORTS, {"after": encode_cursor("customers", ["ada lovelace", UNKNOWN])}, "after"),  # the directory's
    (REPORTS, {"after": encode_cursor("timeline", [NOW.isoformat(), UNKNOWN])}, "after"),  # a timeline's
    (REPORTS, {"after": encode_cursor("campaigns", [1, 2])}, "after"),
    (REPORTS, {"days": 367}, "attributionDays"),
    (CHANNELS, {"since": day(0), "until": day(0)}, "until"),
    (CHANNELS, {"since": day(0), "until": day(-1)}, "until"),
    (CHANNELS, {"since": day(0), "until": day(7), "days": -1}, "attributionDays"),
])
def test_bad_arguments_are_bad_user_input_naming_the_argument(gql, query, variables, field):
    error = gql.error(query, variables)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


def test_a_date_with_a_time_is_bad_user_input(gql):
    error = gql.error(CHANNELS, {"since": NOW.isoformat(), "until": day(7)})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(("query", "variables"), [
    (REPORT, {"id": UNKNOWN}),
    (REPORTS, {}),
    (CHANNELS, {"since": day(0), "until": day(7)}),
])
def test_only_roles_that_read_marketing_see_the_dashboard(gql, query, variables):
    assert gql.error(query, variables, role="service")["extensions"]["code"] == "FORBIDDEN"
    assert gql.error(query, variables, role=None)["extensions"]["code"] == "UNAUTHENTICATED"
