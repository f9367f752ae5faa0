"""The disclosure view: who received what, and the notices a withdrawal or an erasure owes
each partner that received data; known answers, and incremental equals rebuild."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.store import CrmHub
from domain.errors import DomainError, InvalidValueError
from privacy.disclosures import DisclosureRecord, response_hash
from projections.database import ViewDatabase
from projections.disclosures import (
    DisclosureView,
    disclosures,
    notice_id,
    notice_of,
    partner_notices,
    subject_disclosures,
    unacknowledged_notices,
)
from projections.runner import ProjectionRunner
from tests.stories import opened_store, tables

PURPOSE = "third_party_sharing"


@pytest.fixture
def runner(hub: CrmHub, views: ViewDatabase) -> ProjectionRunner:
    runner = ProjectionRunner(hub, views, [DisclosureView()], page_size=5)
    runner.setup()
    return runner


@dataclass
class Story:
    """Partners A and B; Ada (a customer) and Bo (a lead) with grants; what each read."""

    a: UUID = field(default_factory=uuid4)
    b: UUID = field(default_factory=uuid4)
    ids: dict[str, Any] = field(default_factory=dict)


def grant(hub: CrmHub, partner: UUID, **subject: Any) -> UUID:
    return hub.grant_consent(actor="sam", recipient="partner", partner_id=partner,
                             purpose=PURPOSE, categories=["user"], channel="web",
                             notice_version="v1", **subject)


def read(hub: CrmHub, partner: UUID, subject: UUID, *grants: UUID) -> UUID:
    values = {"given_name": "x"}
    (disclosure,) = hub.record_disclosures(actor=f"partner:{partner}", records=[DisclosureRecord(
        partner_id=partner, token_id=f"jti-{partner}", subject_id=subject,
        fields=tuple(values), purpose=PURPOSE, grants=grants,
        response_hash=response_hash(values))])
    return disclosure


def given_disclosures_withdrawals_and_erasures(hub: CrmHub, after_each: Any = lambda: None) -> Story:
    story = Story()
    ids = story.ids
    ada = ids["ada"] = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Ada"})
    bo = ids["bo"] = hub.capture_lead(actor="sam", source="web_form", channel="web",
                                      given_name="Bo", email="bo@example.com")
    ids["ada_a"], ids["ada_b"] = grant(hub, story.a, customer_id=ada), grant(hub, story.b, customer_id=ada)
    ids["bo_a"] = grant(hub, story.a, lead_id=bo)
    after_each()
    ids["read_ada_a"] = read(hub, story.a, ada, ids["ada_a"])
    ids["read_ada_b"] = read(hub, story.b, ada, ids["ada_b"])
    ids["read_bo_a"] = read(hub, story.a, bo, ids["bo_a"])
    after_each()
    hub.withdraw_consent(actor="ada", customer_id=ada, grant_id=ids["ada_a"], channel="email")
    after_each()
    hub.qualify_lead(actor="sam", lead_id=bo)
    ids["bo_customer"] = hub.convert_lead(
        actor="sam", lead_id=bo, opportunity_name="Deal", amount="10", currency="EUR",
        expected_close_date=datetime.now(UTC).date() + timedelta(days=9)).customer_id
    hub.erase_customer(actor="dpo", customer_id=ids["bo_customer"])
    after_each()
    # A read just before the withdrawal of its grant, logged just after: still owed a notice.
    cy = ids["cy"] = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Cy"})
    ids["cy_b"] = grant(hub, story.b, customer_id=cy)
    hub.withdraw_consent(actor="cy", customer_id=cy, grant_id=ids["cy_b"], channel="web")
    after_each()
    ids["read_cy_b"] = read(hub, story.b, cy, ids["cy_b"])
    after_each()
    return story


def kinds(page: Any) -> list[tuple[str, str, str | None]]:
    return [(notice.subject_id, notice.kind, notice.grant_id) for _, notice in page.items]


def test_each_partner_that_received_data_is_told_once(hub, runner, views):
    story = given_disclosures_withdrawals_and_erasures(hub)
    ids = story.ids
    runner.catch_up()
    s = {name: str(value) for name, value in ids.items()}

    assert kinds(partner_notices(views, story.a)) == [
        (s["ada"], "withdrawn", s["ada_a"]),  # B relied on its own grant: B is not told
        (s["bo"], "erased", None),  # A received the lead's data, so it is told of the lead
    ]
    assert kinds(partner_notices(views, story.b)) == [(s["cy"], "withdrawn", s["cy_b"])]
    first = partner_notices(views, story.a).items[0][1]
    assert first.id == str(notice_id(story.a, hub.consent_of(ids["ada"]).id, 4))
    assert notice_of(views, first.id) == first

    hub.erase_customer(actor="dpo", customer_id=ids["ada"])
    runner.catch_up()
    assert kinds(partner_notices(views, story.a))[-1] == (s["ada"], "erased", None)
    assert kinds(partner_notices(views, story.b))[-1] == (s["ada"], "erased", None)
    assert len(unacknowledged_notices(views, first=50).items) == 5

    hub.acknowledge_notice(actor="partner", partner_id=story.a, notice_id=first.id)
    runner.catch_up()
    acknowledged = notice_of(views, first.id)
    assert acknowledged is not None and acknowledged.acknowledged_at is not None
    assert [n.id for _, n in partner_notices(views, story.a, acknowledged=True).items] == [first.id]
    assert first.id not in {n.id for _, n in unacknowledged_notices(views, partner_id=story.a).items}
    last = partner_notices(views, story.a).items[-1][1]
    assert kinds(partner_notices(views, story.a, since=last.at)) == [(s["ada"], "erased", None)]


def test_disclosures_are_found_by_partner_subject_and_time(hub, runner, views):
    story = given_disclosures_withdrawals_and_erasures(hub)
    ids = story.ids
    runner.catch_up()
    to_a = disclosures(views, partner_id=story.a)
    assert [entry.id for _, entry in to_a.items] == [str(ids["read_ada_a"]), str(ids["read_bo_a"])]
    entry = to_a.items[0][1]
    assert (entry.subject_id, entry.fields, entry.purpose, entry.grants, entry.token_id) == (
        str(ids["ada"]), ["given_name"], PURPOSE, [str(ids["ada_a"])], f"jti-{story.a}")
    assert entry.response_hash == response_hash({"given_name": "x"})
    of_ada = disclosures(views, subject_id=ids["ada"])
    assert {e.partner_id for _, e in of_ada.items} == {str(story.a), str(story.b)}

    page = disclosures(views, first=2)
    rest = disclosures(views, first=2, after=page.end_cursor)
    assert page.has_next_page and len(rest.items) == 2 and not rest.has_next_page
    assert not disclosures(views, start=datetime.now(UTC) + timedelta(minutes=1)).items
    found, told = subject_disclosures(views, [ids["bo_customer"], ids["bo"]])
    assert [e.id for e in found] == [str(ids["read_bo_a"])]
    assert [(n.kind, n.partner_id) for n in told] == [("erased", str(story.a))]


@pytest.mark.parametrize(("query", "name"), [
    (lambda v: disclosures(v, partner_id="nope"), "partnerId"),
    (lambda v: disclosures(v, start=datetime(2026, 1, 1)), "start"),
    (lambda v: disclosures(v, start=datetime(2026, 1, 2, tzinfo=UTC),
                           end=datetime(2026, 1, 1, tzinfo=UTC)), "end"),
    (lambda v: partner_notices(v, uuid4(), after="bm90IGEgY3Vyc29y"), "after"),
    (lambda v: partner_notices(v, uuid4(), first=0), "first"),
])
def test_bad_input_is_refused_naming_the_field(runner, views, query, name):
    with pytest.raises(InvalidValueError) as refused:
        query(views)
    assert refused.value.field == name


def test_the_story_projected_between_commands_equals_a_rebuild(hub, runner, views):
    story = given_disclosures_withdrawals_and_erasures(hub, after_each=runner.catch_up)
    hub.erase_customer(actor="dpo", customer_id=story.ids["ada"])
    runner.catch_up()
    notice = partner_notices(views, story.b).items[0][1]
    hub.acknowledge_notice(actor="partner", partner_id=story.b, notice_id=notice.id)
    runner.catch_up()
    incremental = tables(views, DisclosureView.tables)
    assert len(incremental["view_disclosure_notices"]) == 5

    runner.reset()
    assert runner.catch_up() == hub.position()
    assert tables(views, DisclosureView.tables) == incremental


STEPS = st.lists(st.tuples(st.sampled_from(["grant", "read", "withdraw", "erase", "acknowledge",
                                            "catch_up"]),
                           st.integers(min_value=0, max_value=5)), min_size=1, max_size=25)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_history_projected_incrementally_equals_a_rebuild(database_url, steps):
    with opened_store(database_url) as (hub, views):
        runner = ProjectionRunner(hub, views, [DisclosureView()], page_size=3)
        runner.reset()
        partners = [uuid4(), uuid4()]
        people = [hub.register_customer(actor="x", kind="person", profile={"given_name": "Q"})
                  for _ in range(2)]
        grants: list[tuple[UUID, UUID, UUID]] = []  # (person, partner, grant)
        for step, n in steps:
            partner, person = partners[n % 2], people[n // 2 % 2]
            live = [g for g in grants if g[0] == person]
            try:
                if step == "grant":
                    grants.append((person, partner, grant(hub, partner, customer_id=person)))
                elif step == "read":
                    read(hub, partner, person, *[g[2] for g in live if g[1] == partner])
                elif step == "withdraw" and live:
                    hub.withdraw_consent(actor="x", customer_id=person,
                                         grant_id=live[n % len(live)][2], channel="web")
                elif step == "erase":
                    hub.erase_customer(actor="dpo", customer_id=person)
                elif step == "acknowledge":
                    runner.catch_up()
                    page = partner_notices(views, partner)
                    if page.items:
                        notice = page.items[n % len(page.items)][1]
                        hub.acknowledge_notice(actor="x", partner_id=partner, notice_id=notice.id)
                else:
                    runner.catch_up()
            except DomainError:
                pass  # refused (erased, withdrawn, acknowledged): nothing recorded
        runner.catch_up()
        incremental = tables(views, DisclosureView.tables)
        runner.reset()
        runner.catch_up()
        assert tables(views, DisclosureView.tables) == incremental
