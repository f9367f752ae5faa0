"""Erasure through GraphQL and the CLI: after it, no table and no byte of the database
holds the person's name, email, phone, address or what was written about them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from api.cli import app
from domain.storage import store_settings
from tests.stories import records_nothing

GIVEN, FAMILY, EMAIL = "Qwyndolyn", "Brackenthorpe", "qwyn.bracken@example.org"
PHONE, STREET, SUMMARY = "+44 161 496 0734", "Marrowgate Yard", "said the Frobnitzer hummed"
LEAD_GIVEN, LEAD_EMAIL, LEAD_NOTES = "Zebulonia", "zebulonia@example.net", "met at Glimmerfest"
MARKERS = (GIVEN, FAMILY, EMAIL, PHONE, STREET, SUMMARY, LEAD_GIVEN, LEAD_EMAIL, LEAD_NOTES)

REGISTER = """mutation ($input: RegisterCustomerInput!) { registerCustomer(input: $input) { id } }"""
RECORD = """mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }"""
OPEN_CASE = """mutation ($input: OpenCaseInput!) { openCase(input: $input) { id } }"""
ERASE = """mutation ($input: EraseCustomerInput!) { eraseCustomer(input: $input) {
  id displayName emails erased openCases } }"""
C360 = """query ($id: ID!) { customer360(id: $id) { summary { displayName erased }
  profile { givenName familyName emails phones erased }
  timeline(first: 10) { edges { node { subject summary } } } } }"""
DIRECTORY = """query ($search: String!) { customers(search: $search, first: 5) {
  edges { node { id } } } }"""


def a_customer_with_a_story(gql) -> str:
    customer = gql.ok(REGISTER, {"input": {
        "kind": "PERSON", "givenName": GIVEN, "familyName": FAMILY, "emails": [EMAIL],
        "phones": [PHONE], "address": {"street": STREET, "city": "Leeds", "country": "GB"},
    }})["registerCustomer"]["id"]
    gql.ok(RECORD, {"input": {"customerId": customer, "channel": "PHONE", "direction": "INBOUND",
                              "department": "SERVICE", "subject": f"Call from {GIVEN}",
                              "summary": SUMMARY}})
    gql.ok(OPEN_CASE, {"input": {"customerId": customer, "channel": "PHONE", "type": "COMPLAINT",
                                 "subject": f"{FAMILY} complaint", "description": SUMMARY}})
    return customer


def a_converted_lead(hub) -> str:
    lead = hub.capture_lead(actor="sam", source="web_form", channel="web", given_name=LEAD_GIVEN,
                            family_name="Lead", email=LEAD_EMAIL, notes=LEAD_NOTES)
    hub.qualify_lead(actor="sam", lead_id=lead)
    return str(hub.convert_lead(actor="sam", lead_id=lead, opportunity_name="Routers",
                                amount="100", currency="EUR",
                                expected_close_date=date.today() + timedelta(days=30)).customer_id)


def database_text(database_url: str) -> bytes:
    """Every byte the database holds: the SQLite files, or every value of every table
    of the PostgreSQL schema, as text."""
    settings = store_settings(database_url)
    if settings["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        path = Path(settings["SQLITE_DBNAME"])
        return b"".join(file.read_bytes() for file in path.parent.glob(path.name + "*"))
    schema = settings["POSTGRES_SCHEMA"]
    chunks: list[bytes] = []
    with psycopg.connect(database_url.split("?")[0]) as connection:
        tables = [row[0] for row in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))]
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{schema}"."{table}"'):  # noqa: S608
                chunks += [bytes(value) if isinstance(value, bytes | memoryview)
                           else str(value).encode() for value in row]
    return b"\n".join(chunks)


def test_after_erasure_and_a_rebuild_no_marker_is_left_anywhere(gql, hub, database_url, tmp_path):
    customer = a_customer_with_a_story(gql)
    converted = a_converted_lead(hub)
    before = database_text(database_url)
    # The scan sees the views' text and the events' stored bytes (else it proves nothing).
    assert GIVEN.encode() in before and SUMMARY.encode() in before
    assert b'"kind":"person"' in before

    for erased in (customer, converted):
        summary = gql.ok(ERASE, {"input": {"customerId": erased}})["eraseCustomer"]
        assert (summary["erased"], summary["emails"]) == (True, [])

    rebuilt = CliRunner().invoke(app, ["rebuild"], env={
        "CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(tmp_path / "data")})
    assert rebuilt.exit_code == 0, rebuilt.output

    left = [m for m in MARKERS if m.encode() in database_text(database_url)]
    assert left == []


def test_an_erased_customer_shows_without_personal_data_and_keeps_their_numbers(gql):
    customer = a_customer_with_a_story(gql)
    erased = gql.ok(ERASE, {"input": {"customerId": customer}})["eraseCustomer"]
    assert erased == {"id": customer, "displayName": "", "emails": [], "erased": True,
                      "openCases": 1}
    view = gql.ok(C360, {"id": customer})["customer360"]
    assert view["summary"] == {"displayName": "", "erased": True}
    assert view["profile"] == {"givenName": None, "familyName": None, "emails": [], "phones": [],
                               "erased": True}
    assert view["timeline"]["edges"] == [{"node": {"subject": "", "summary": None}}]
    assert gql.ok(DIRECTORY, {"search": GIVEN.lower()})["customers"]["edges"] == []


@pytest.mark.parametrize(("variables", "code", "field"), [
    ({"customerId": "not-an-id"}, "BAD_USER_INPUT", "customerId"),
    ({"customerId": "00000000-0000-4000-8000-000000000000"}, "NOT_FOUND", None),
    ({"customerId": None, "expectedVersion": 0}, "BAD_USER_INPUT", "expectedVersion"),
])
def test_a_bad_erasure_is_refused_and_changes_nothing(gql, hub, variables, code, field):
    customer = a_customer_with_a_story(gql)
    variables = {**variables, "customerId": variables["customerId"] or customer}
    with records_nothing(hub):
        error = gql.error(ERASE, {"input": variables})
    assert error["extensions"]["code"] == code
    if field:
        assert error["extensions"]["field"] == field
    assert gql.ok(C360, {"id": customer})["customer360"]["summary"]["erased"] is False


def test_erasing_twice_is_a_conflict(gql, hub):
    customer = a_customer_with_a_story(gql)
    gql.ok(ERASE, {"input": {"customerId": customer}})
    with records_nothing(hub):
        error = gql.error(ERASE, {"input": {"customerId": customer}})
    assert error["extensions"]["code"] == "CONFLICT"


@pytest.mark.parametrize("role", ["sales", "service", "marketing", "analytics", "auditor"])
def test_only_an_admin_erases(gql, hub, role):
    customer = a_customer_with_a_story(gql)
    with records_nothing(hub):
        error = gql.error(ERASE, {"input": {"customerId": customer}}, role=role)
    assert error["extensions"]["code"] == "FORBIDDEN"


def test_the_cli_erases_after_confirmation(gql, database_url, tmp_path):
    customer = a_customer_with_a_story(gql)
    env = {"CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(tmp_path / "data")}
    cli = CliRunner()
    declined = cli.invoke(app, ["privacy", "erase", "--customer", customer], input="n\n", env=env)
    assert declined.exit_code == 1
    assert gql.ok(C360, {"id": customer})["customer360"]["summary"]["erased"] is False

    erased = cli.invoke(app, ["privacy", "erase", "--customer", customer, "--yes"], env=env)
    assert erased.exit_code == 0, erased.output
    assert "erased" in erased.output
    assert gql.ok(C360, {"id": customer})["customer360"]["summary"]["erased"] is True

    for arguments, message in [(["--customer", "not-an-id"], "--customer"),
                               (["--customer", customer], "was erased")]:
        refused = cli.invoke(app, ["privacy", "erase", *arguments, "--yes"], env=env)
        assert refused.exit_code == 2
        assert message in refused.output
