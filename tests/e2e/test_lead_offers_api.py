"""Lead distribution through the internal GraphQL over HTTP (and the CLI sweep): offers by
hand and by the rules, the distribution and the figures read back, bad input, roles."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app
from api.store import CrmHub
from tests.stories import records_nothing

THEN = datetime.now(UTC) - timedelta(days=3)
OFFER_FIELDS = ("id partnerId method rule territory product category source status offeredBy "
                "expiresAt answeredAt reason partner { name }")
DISTRIBUTION = (f"leadId status holderId territory product category "
                f"offers {{ {OFFER_FIELDS} }}")
OFFER = f"""mutation ($input: OfferLeadInput!) {{
  offerLead(input: $input) {{ {DISTRIBUTION} }} }}"""
DISTRIBUTE = f"""mutation ($input: DistributeLeadInput!) {{
  distributeLead(input: $input) {{ {DISTRIBUTION} }} }}"""
WITHDRAW = """mutation ($input: WithdrawLeadOfferInput!) {
  withdrawLeadOffer(input: $input) { status offers { status reason } } }"""
RECALL = """mutation ($input: RecallLeadInput!) {
  recallLead(input: $input) { status offers { status reason } } }"""
READ = f"query ($lead: ID!) {{ leadDistribution(leadId: $lead) {{ {DISTRIBUTION} }} }}"
EXPIRE = "mutation { expireLeadOffers { timedOut } }"
PERFORMANCE = """query ($partner: ID!, $start: DateTime!, $end: DateTime!) {
  partnerPerformance(partnerId: $partner, start: $start, end: $end) {
    partnerId offered accepted rejected timedOut converted acceptanceRate
    medianResponseSeconds p90ResponseSeconds } }"""
REGISTER = """mutation ($input: RegisterPartnerInput!) { registerPartner(input: $input) { id } }"""


def register(gql, name: str, **terms: Any) -> str:
    partner = {"name": name, "kind": "RESELLER", "territories": ["DE"], "products": ["Routers"],
               "capacity": 5, **terms}
    return gql.ok(REGISTER, {"input": partner})["registerPartner"]["id"]


def lead(hub: CrmHub, name: str = "Ada", **kwargs: Any) -> str:
    return str(hub.capture_lead(actor="sales-user", source="trade_show", channel="direct",
                                given_name=name, email=f"{name.lower()}@example.com", **kwargs))


def test_a_lead_is_distributed_by_the_rules_and_read_back(gql, hub: CrmHub) -> None:
    by_category = register(gql, "Net Wholesale", products=["Networking"])
    register(gql, "Paris Routers", territories=["FR"])
    ada = lead(hub)

    got = gql.ok(DISTRIBUTE, {"input": {"leadId": ada, "territory": "de", "product": "Routers",
                                        "category": "networking", "windowSeconds": 3600}},
                 role="sales")["distributeLead"]

    (offer,) = got["offers"]
    assert (got["status"], got["holderId"], got["territory"]) == ("OFFERED", by_category, "DE")
    assert (offer["method"], offer["rule"], offer["status"], offer["source"]) == (
        "RULES", "category", "OFFERED", "trade_show")
    assert (offer["partner"]["name"], offer["offeredBy"]) == ("Net Wholesale", "sales-user")
    assert gql.ok(READ, {"lead": ada}, role="analytics")["leadDistribution"] == got


def test_an_offer_by_hand_is_withdrawn_and_an_accepted_lead_recalled(gql, hub: CrmHub) -> None:
    partner = register(gql, "Router Shop")
    ada = lead(hub)
    got = gql.ok(OFFER, {"input": {"leadId": ada, "partnerId": partner}})["offerLead"]
    assert (got["offers"][0]["method"], got["offers"][0]["rule"]) == ("MANUAL", None)
    withdrawn = gql.ok(WITHDRAW, {"input": {"leadId": ada, "reason": "called us back"}},
                       role="sales")["withdrawLeadOffer"]
    assert withdrawn == {"status": "RETURNED",
                         "offers": [{"status": "WITHDRAWN", "reason": "called us back"}]}

    gql.ok(OFFER, {"input": {"leadId": ada, "partnerId": partner, "territory": "DE"}})
    hub.accept_lead_offer(actor=f"partner:{partner}", partner_id=partner, lead_id=ada)
    recalled = gql.ok(RECALL, {"input": {"leadId": ada}})["recallLead"]
    assert [o["status"] for o in recalled["offers"]] == ["WITHDRAWN", "RECALLED"]


def test_lapsed_offers_time_out_and_move_on_when_an_admin_sweeps(gql, hub: CrmHub) -> None:
    first, second = register(gql, "A"), register(gql, "B")
    ada = lead(hub, occurred_at=THEN)
    hub.offer_lead(actor="sales-user", lead_id=ada, partner_id=first, territory="DE",
                   product="routers", occurred_at=THEN)

    assert gql.ok(EXPIRE)["expireLeadOffers"] == {"timedOut": 1}

    got = gql.ok(READ, {"lead": ada})["leadDistribution"]
    assert [(o["partnerId"], o["status"]) for o in got["offers"]] == [
        (first, "TIMED_OUT"), (second, "OFFERED")]
    assert gql.ok(EXPIRE)["expireLeadOffers"] == {"timedOut": 0}
    figures = gql.ok(PERFORMANCE, {"partner": first, "start": THEN.isoformat(),
                                   "end": (datetime.now(UTC) + timedelta(hours=1)).isoformat()})
    assert figures["partnerPerformance"] == {
        "partnerId": first, "offered": 1, "accepted": 0, "rejected": 0, "timedOut": 1,
        "converted": 0, "acceptanceRate": 0.0, "medianResponseSeconds": None,
        "p90ResponseSeconds": None}


def test_serve_times_offers_out_without_anyone_asking(settings, hub: CrmHub) -> None:
    partner = hub.register_partner(actor="admin-user", name="A", kind="reseller",
                                   territories=["DE"], products=["Routers"], capacity=5)
    ada = lead(hub, occurred_at=THEN)
    hub.offer_lead(actor="sales-user", lead_id=ada, partner_id=partner, territory="DE",
                   occurred_at=THEN)
    swept = threading.Event()
    hub.commit_listeners.append(lambda position: swept.set())

    with TestClient(create_app(settings.model_copy(update={"lead_offer_sweep": 0.01}), hub=hub)):
        assert swept.wait(5), "the sweeper never ran"

    distribution = hub.lead_distribution(ada)
    assert distribution is not None
    assert [(o.status, o.answered_by) for o in distribution.offers] == [
        ("timed_out", "system:lead-offers")]


def test_the_cli_sweeps_once(gql, hub: CrmHub, database_url: str, tmp_path: Path) -> None:
    first = register(gql, "A")
    ada = lead(hub, occurred_at=THEN)
    hub.offer_lead(actor="sales-user", lead_id=ada, partner_id=first, territory="DE",
                   occurred_at=THEN)
    env = {"CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(tmp_path / "data")}

    result = CliRunner().invoke(app, ["partners", "expire-offers"], env=env)

    assert result.exit_code == 0, result.output
    assert "1 lead offer(s) timed out" in result.output
    distribution = hub.lead_distribution(ada)
    assert distribution is not None
    assert [o.status for o in distribution.offers] == ["timed_out"]
    assert distribution.status == "returned"


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"leadId": "UNKNOWN"}, "NOT_FOUND", None),
    ({"partnerId": "UNKNOWN"}, "NOT_FOUND", None),
    ({"leadId": "not-an-id"}, "BAD_USER_INPUT", "leadId"),
    ({"leadId": "CONVERTED"}, "CONFLICT", None),
    ({"territory": "FR"}, "BAD_USER_INPUT", "partnerId"),
    ({"territory": "UK"}, "BAD_USER_INPUT", "territory"),
    ({"product": "Routers"}, "BAD_USER_INPUT", "territory"),
    ({"windowSeconds": 0}, "BAD_USER_INPUT", "windowSeconds"),
    ({"windowSeconds": -5}, "BAD_USER_INPUT", "windowSeconds"),
    ({"partnerId": "SUSPENDED"}, "CONFLICT", None),
])
def test_a_bad_offer_is_refused_clearly_and_changes_nothing(gql, hub: CrmHub, changes, code,
                                                            field) -> None:
    partner, suspended = register(gql, "A"), register(gql, "B")
    gql.ok("""mutation ($input: SuspendPartnerInput!) { suspendPartner(input: $input) { id } }""",
           {"input": {"partnerId": suspended, "reason": "audit"}})
    converted = lead(hub, "Grace")
    hub.qualify_lead(actor="sales-user", lead_id=converted)
    hub.convert_lead(actor="sales-user", lead_id=converted, opportunity_name="Deal", amount="1",
                     currency="EUR", expected_close_date="2030-01-01")
    names = {"UNKNOWN": str(uuid4()), "CONVERTED": str(converted), "SUSPENDED": suspended}
    payload = {"leadId": lead(hub), "partnerId": partner, **changes}
    payload = {key: names.get(value, value) if isinstance(value, str) else value
               for key, value in payload.items()}

    with records_nothing(hub):
        error = gql.error(OFFER, {"input": payload}, role="sales")
    assert error["extensions"]["code"] == code, error
    assert error["extensions"].get("field") == field
    assert error["message"]


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"territory": "XX"}, "BAD_USER_INPUT", "territory"),
    ({"product": " "}, "BAD_USER_INPUT", "product"),
    ({"windowSeconds": 0}, "BAD_USER_INPUT", "windowSeconds"),
    ({"leadId": str(uuid4())}, "NOT_FOUND", None),
])
def test_a_bad_distribution_is_refused_and_changes_nothing(gql, hub: CrmHub, changes, code,
                                                           field) -> None:
    register(gql, "A")
    payload = {"leadId": lead(hub), "territory": "DE", "product": "Routers", **changes}
    with records_nothing(hub):
        error = gql.error(DISTRIBUTE, {"input": payload})
    assert (error["extensions"]["code"], error["extensions"].get("field")) == (code, field)


def test_with_nobody_eligible_the_lead_stays_with_sales(gql, hub: CrmHub) -> None:
    register(gql, "Paris Routers", territories=["FR"])
    got = gql.ok(DISTRIBUTE, {"input": {"leadId": lead(hub), "territory": "DE"}})
    assert (got["distributeLead"]["status"], got["distributeLead"]["offers"]) == ("RETURNED", [])


def test_a_lead_never_offered_has_no_distribution_and_an_unknown_one_is_not_found(
        gql, hub: CrmHub) -> None:
    assert gql.ok(READ, {"lead": lead(hub)})["leadDistribution"] is None
    assert gql.error(READ, {"lead": str(uuid4())})["extensions"]["code"] == "NOT_FOUND"
    assert gql.error(PERFORMANCE, {"partner": str(uuid4()), "start": THEN.isoformat(),
                                   "end": datetime.now(UTC).isoformat()})[
        "extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("role", ["service", "marketing", "analytics", "auditor"])
def test_only_sales_and_admins_distribute(gql, hub: CrmHub, role) -> None:
    partner, ada = register(gql, "A"), lead(hub)
    with records_nothing(hub):
        for operation, payload in (
            (OFFER, {"input": {"leadId": ada, "partnerId": partner}}),
            (DISTRIBUTE, {"input": {"leadId": ada, "territory": "DE"}}),
            (WITHDRAW, {"input": {"leadId": ada}}), (RECALL, {"input": {"leadId": ada}}),
            (EXPIRE, {}),
        ):
            assert gql.error(operation, payload, role=role)["extensions"]["code"] == "FORBIDDEN"


def test_only_admins_sweep_by_hand_and_service_does_not_read(gql, hub: CrmHub) -> None:
    assert gql.error(EXPIRE, role="sales")["extensions"]["code"] == "FORBIDDEN"
    for role in ("service", "marketing"):
        assert gql.error(READ, {"lead": lead(hub)}, role=role)["extensions"]["code"] == "FORBIDDEN"
