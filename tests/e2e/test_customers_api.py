"""Customers and interactions through GraphQL over HTTP."""

from __future__ import annotations

from domain.hub import Hub

REGISTER = """
mutation ($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) {
    id version kind displayName givenName familyName emails phones stage owner tags
    address { city country }
  }
}"""

CUSTOMER = """query ($id: ID!) { customer(id: $id) { id version displayName stage emails } }"""


def register(gql, **fields) -> dict:
    payload = {"kind": "PERSON", "givenName": "Ada", "familyName": "Lovelace", **fields}
    return gql.ok(REGISTER, {"input": payload})["registerCustomer"]


def test_a_registered_customer_can_be_read_back(gql):
    created = register(gql, emails=["Ada@Example.com"], phones=["+44 20 7946 0958"],
                       address={"city": "London", "country": "gb"}, tags=["VIP"], owner="sam")

    assert created["displayName"] == "Ada Lovelace"
    assert created["emails"] == ["ada@example.com"]
    assert created["address"] == {"city": "London", "country": "GB"}
    assert created["tags"] == ["vip"]
    assert created["stage"] == "LEAD"
    assert created["version"] == 1
    read = gql.ok(CUSTOMER, {"id": created["id"]}, role="analytics")["customer"]
    assert read["displayName"] == "Ada Lovelace"


def test_bad_input_names_the_field_and_records_nothing(gql, hub: Hub):
    before = hub.position()
    error = gql.error(REGISTER, {"input": {"kind": "PERSON", "givenName": "Ada",
                                           "emails": ["not-an-email"]}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "emails"
    error = gql.error(REGISTER, {"input": {"kind": "PERSON", "givenName": "x" * 201}})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "givenName",
                                   "problems": [{"field": "givenName",
                                                 "message": "String should have at most 200 characters"}]}
    error = gql.error(REGISTER, {"input": {"kind": "ORGANISATION"}})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "companyName"}
    assert hub.position() == before


def test_an_unknown_customer_is_not_found(gql):
    error = gql.error(CUSTOMER, {"id": "00000000-0000-4000-8000-000000000000"})
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = gql.error(CUSTOMER, {"id": "banana"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_profile_updates_detect_lost_updates(gql, hub: Hub):
    customer = register(gql)
    update = """mutation ($input: UpdateCustomerProfileInput!) {
      updateCustomerProfile(input: $input) { version jobTitle } }"""
    data = gql.ok(update, {"input": {"id": customer["id"], "expectedVersion": 1,
                                     "jobTitle": "Analyst"}})
    assert data["updateCustomerProfile"] == {"version": 2, "jobTitle": "Analyst"}

    before = hub.position()
    error = gql.error(update, {"input": {"id": customer["id"], "expectedVersion": 1,
                                         "jobTitle": "Countess"}})
    assert error["extensions"]["code"] == "CONFLICT"
    assert hub.position() == before


def test_an_illegal_stage_change_is_a_conflict(gql, hub: Hub):
    customer = register(gql)
    change = """mutation ($input: ChangeCustomerStageInput!) {
      changeCustomerStage(input: $input) { stage } }"""
    assert gql.ok(change, {"input": {"id": customer["id"], "stage": "PROSPECT"}}) == {
        "changeCustomerStage": {"stage": "PROSPECT"}}
    before = hub.position()
    error = gql.error(change, {"input": {"id": customer["id"], "stage": "CHURNED"}})
    assert error["extensions"]["code"] == "CONFLICT"
    assert "prospect to churned" in error["message"]
    assert hub.position() == before


def test_interactions_are_recorded_and_corrected_never_edited(gql, hub: Hub):
    customer = register(gql)
    record = """mutation ($input: RecordInteractionInput!) {
      recordInteraction(input: $input) { id version channel subject occurredAt handledBy } }"""
    recorded = gql.ok(record, {"input": {
        "customerId": customer["id"], "channel": "CALL_CENTRE", "direction": "INBOUND",
        "department": "SERVICE", "subject": "Router keeps rebooting",
        "occurredAt": "2026-01-05T09:30:00+00:00", "handledBy": "agent-7"}}, role="service")
    interaction = recorded["recordInteraction"]
    assert interaction["channel"] == "CALL_CENTRE"
    assert interaction["occurredAt"] == "2026-01-05T09:30:00+00:00"

    correct = """mutation ($input: CorrectInteractionInput!) {
      correctInteraction(input: $input) { version channel corrections } }"""
    corrected = gql.ok(correct, {"input": {"id": interaction["id"], "channel": "PHONE",
                                           "reason": "logged on the wrong line"}}, role="service")
    assert corrected["correctInteraction"] == {
        "version": 2, "channel": "PHONE", "corrections": ["logged on the wrong line"]}


def test_unknown_channel_is_refused_by_the_schema(gql, hub: Hub):
    customer = register(gql)
    before = hub.position()
    error = gql.error("""mutation ($id: ID!) { recordInteraction(input: {customerId: $id,
        channel: PIGEON, direction: INBOUND, department: SALES, subject: "x"}) { id } }""",
                      {"id": customer["id"]})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "PIGEON" in error["message"]
    assert hub.position() == before


def test_a_batch_is_recorded_whole_or_not_at_all(gql, hub: Hub):
    customer = register(gql)
    item = {"customerId": customer["id"], "channel": "WEB", "direction": "INBOUND",
            "department": "MARKETING", "subject": "Viewed pricing page"}
    batch = """mutation ($input: RecordInteractionsInput!) {
      recordInteractions(input: $input) { count ids } }"""
    data = gql.ok(batch, {"input": {"interactions": [item] * 3}}, role="marketing")
    assert data["recordInteractions"]["count"] == 3

    before = hub.position()
    unknown = {**item, "customerId": "00000000-0000-4000-8000-000000000000"}
    error = gql.error(batch, {"input": {"interactions": [item, unknown]}})
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = gql.error(batch, {"input": {"interactions": [item, {**item, "subject": ""}]}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "interactions[1].subject"
    assert hub.position() == before


def test_owner_tags_and_external_ids(gql, hub: Hub):
    customer = register(gql)
    owner = gql.ok("""mutation ($id: ID!) { assignCustomerOwner(id: $id, owner: "ria") { owner version } }""",
                   {"id": customer["id"]}, role="sales")
    assert owner["assignCustomerOwner"] == {"owner": "ria", "version": 2}
    tags = gql.ok("""mutation ($id: ID!) {
                       tagCustomer(id: $id, add: ["Gold", "b2b"], remove: []) { tags } }""",
                  {"id": customer["id"]}, role="service")
    assert tags["tagCustomer"]["tags"] == ["gold", "b2b"]
    tags = gql.ok("""mutation ($id: ID!) { tagCustomer(id: $id, remove: ["gold"]) { tags } }""",
                  {"id": customer["id"]})
    assert tags["tagCustomer"]["tags"] == ["b2b"]
    linked = gql.ok("""mutation ($id: ID!) { linkExternalId(id: $id, system: "salesforce",
                       externalId: "003XX1") { externalIds { system externalId } } }""",
                    {"id": customer["id"]})
    assert linked["linkExternalId"]["externalIds"] == [{"system": "salesforce", "externalId": "003XX1"}]

    before = hub.position()
    error = gql.error("""mutation ($id: ID!) { tagCustomer(id: $id, add: ["no spaces"]) { tags } }""",
                      {"id": customer["id"]})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "add")
    error = gql.error("""mutation ($id: ID!) { linkExternalId(id: $id, system: "Sales Force",
                         externalId: "1") { id } }""", {"id": customer["id"]})
    assert error["extensions"]["field"] == "system"
    error = gql.error("""mutation ($id: ID!) { assignCustomerOwner(id: $id, owner: " ") { id } }""",
                      {"id": customer["id"]})
    assert error["extensions"]["field"] == "owner"
    error = gql.error("""mutation { assignCustomerOwner(id: "00000000-0000-4000-8000-000000000000",
                         owner: "x") { id } }""")
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = gql.error("""mutation ($id: ID!) { tagCustomer(id: $id, add: ["x"]) { id } }""",
                      {"id": customer["id"]}, role="marketing")
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert hub.position() == before


def test_an_interaction_is_read_back_by_id(gql):
    customer = register(gql)
    record = """mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }"""
    interaction_id = gql.ok(record, {"input": {
        "customerId": customer["id"], "channel": "SMS", "direction": "OUTBOUND",
        "department": "MARKETING", "subject": "Spring offer", "summary": "Sent the code SPRING"}}
    )["recordInteraction"]["id"]
    query = """query ($id: ID!) { interaction(id: $id) { customerId channel direction department
               subject summary corrections } }"""
    assert gql.ok(query, {"id": interaction_id}, role="auditor")["interaction"] == {
        "customerId": customer["id"], "channel": "SMS", "direction": "OUTBOUND",
        "department": "MARKETING", "subject": "Spring offer", "summary": "Sent the code SPRING",
        "corrections": []}
    error = gql.error(query, {"id": customer["id"]})
    assert error["extensions"]["code"] == "NOT_FOUND"
