"""The partner registry through GraphQL over HTTP: each mutation, bad input, roles."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from api.store import CrmHub
from tests.stories import records_nothing

FIELDS = "id version name kind territories products capacity status statusReason"
REGISTER = f"""
mutation ($input: RegisterPartnerInput!) {{ registerPartner(input: $input) {{ {FIELDS} }} }}"""
UPDATE = f"""
mutation ($input: UpdatePartnerInput!) {{ updatePartner(input: $input) {{ {FIELDS} }} }}"""
SUSPEND = """
mutation ($input: SuspendPartnerInput!) { suspendPartner(input: $input) { status statusReason } }"""
REACTIVATE = """
mutation ($input: ReactivatePartnerInput!) {
  reactivatePartner(input: $input) { status statusReason } }"""
TERMINATE = """
mutation ($input: TerminatePartnerInput!) {
  terminatePartner(input: $input) { status statusReason } }"""
PARTNER = f"query ($id: ID!) {{ partner(id: $id) {{ {FIELDS} }} }}"


def partner_input(**changes: Any) -> dict[str, Any]:
    return {"name": "Alpine Distribution GmbH", "kind": "DISTRIBUTOR",
            "territories": ["de", "AT", "CH"], "products": ["Laptops", "laptops", "Docks"],
            "capacity": 50, **changes}


@pytest.fixture
def partner(gql) -> str:
    return gql.ok(REGISTER, {"input": partner_input()})["registerPartner"]["id"]


def test_a_partner_is_registered_and_read_back(gql) -> None:
    registered = gql.ok(REGISTER, {"input": partner_input()})["registerPartner"]

    assert registered == {
        "id": registered["id"], "version": 1, "name": "Alpine Distribution GmbH",
        "kind": "DISTRIBUTOR", "territories": ["DE", "AT", "CH"],
        "products": ["Laptops", "Docks"], "capacity": 50, "status": "ACTIVE",
        "statusReason": None,
    }
    assert gql.ok(PARTNER, {"id": registered["id"]}, role="sales")["partner"] == registered


def test_an_update_replaces_what_is_given(gql, partner) -> None:
    updated = gql.ok(UPDATE, {"input": {"partnerId": partner, "territories": ["FR"],
                                        "capacity": 0, "expectedVersion": 1}})["updatePartner"]

    assert (updated["territories"], updated["capacity"], updated["version"]) == (["FR"], 0, 2)
    assert (updated["name"], updated["products"]) == ("Alpine Distribution GmbH",
                                                      ["Laptops", "Docks"])


def test_a_partner_is_suspended_reactivated_then_terminated_for_good(gql, hub: CrmHub,
                                                                     partner) -> None:
    reason = {"partnerId": partner, "reason": "audit pending"}
    assert gql.ok(SUSPEND, {"input": reason})["suspendPartner"] == {
        "status": "SUSPENDED", "statusReason": "audit pending"}
    assert gql.ok(REACTIVATE, {"input": {"partnerId": partner, "reason": "audit passed"}})[
        "reactivatePartner"] == {"status": "ACTIVE", "statusReason": "audit passed"}
    ended = {"partnerId": partner, "reason": "contract ended"}
    assert gql.ok(TERMINATE, {"input": ended})["terminatePartner"] == {
        "status": "TERMINATED", "statusReason": "contract ended"}

    with records_nothing(hub):
        for operation, payload in ((SUSPEND, reason), (REACTIVATE, {"partnerId": partner}),
                                   (TERMINATE, ended), (UPDATE, {"partnerId": partner, "capacity": 1})):
            assert gql.error(operation, {"input": payload})["extensions"]["code"] == "CONFLICT"


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": ""}, "name"),
    ({"territories": []}, "territories"),
    ({"territories": ["DE", "UK"]}, "territories[1]"),
    ({"territories": ["DEU"]}, "territories[0]"),
    ({"products": []}, "products"),
    ({"products": ["Laptops", ""]}, "products[1]"),
    ({"capacity": -1}, "capacity"),
])
def test_a_bad_registration_names_the_field_and_records_nothing(
    gql, hub: CrmHub, changes, field
) -> None:
    with records_nothing(hub):
        error = gql.error(REGISTER, {"input": partner_input(**changes)})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


@pytest.mark.parametrize(("operation", "payload", "field"), [
    (UPDATE, {"territories": ["ZZ"]}, "territories[0]"),
    (UPDATE, {"capacity": -5}, "capacity"),
    (SUSPEND, {"reason": ""}, "reason"),
    (TERMINATE, {"reason": " "}, "reason"),
    (UPDATE, {"partnerId": "not-an-id"}, "partnerId"),
])
def test_a_bad_change_names_the_field_and_records_nothing(
    gql, hub: CrmHub, partner, operation, payload, field
) -> None:
    with records_nothing(hub):
        error = gql.error(operation, {"input": {"partnerId": partner, **payload}})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


def test_an_unknown_partner_or_a_stale_version_changes_nothing(gql, hub: CrmHub, partner) -> None:
    with records_nothing(hub):
        unknown = gql.error(SUSPEND, {"input": {"partnerId": str(uuid4()), "reason": "x"}})
        stale = gql.error(UPDATE, {"input": {"partnerId": partner, "capacity": 3,
                                             "expectedVersion": 7}})
    assert unknown["extensions"]["code"] == "NOT_FOUND"
    assert stale["extensions"]["code"] == "CONFLICT"
    assert gql.error(PARTNER, {"id": str(uuid4())})["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("role", ["sales", "service", "marketing", "analytics", "auditor"])
def test_only_admins_change_partners(gql, hub: CrmHub, partner, role) -> None:
    with records_nothing(hub):
        for operation, payload in (
            (REGISTER, partner_input()), (UPDATE, {"partnerId": partner, "capacity": 1}),
            (SUSPEND, {"partnerId": partner, "reason": "x"}), (REACTIVATE, {"partnerId": partner}),
            (TERMINATE, {"partnerId": partner, "reason": "x"}),
        ):
            error = gql.error(operation, {"input": payload}, role=role)
            assert error["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("role", ["service", "marketing"])
def test_service_and_marketing_do_not_read_partners(gql, partner, role) -> None:
    assert gql.error(PARTNER, {"id": partner}, role=role)["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("role", ["admin", "sales", "analytics", "auditor"])
def test_admins_sales_analysts_and_auditors_read_partners(gql, partner, role) -> None:
    assert gql.ok(PARTNER, {"id": partner}, role=role)["partner"]
