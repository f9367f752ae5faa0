"""The disclosure log: a request's disclosures in one commit, no personal value in them,
still there after the subject is erased; notices acknowledged once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from hashlib import sha256
from uuid import UUID, uuid4

import pytest

from api.store import CrmHub
from domain import personal_data
from domain.errors import InvalidTransitionError, InvalidValueError
from privacy.disclosures import Disclosure, DisclosureRecord, NoticeAcknowledgement, response_hash
from tests.stories import events_since, records_nothing

PARTNER = uuid4()
PURPOSE = "third_party_sharing.partner.lead_referral"


def record(subject: UUID, **changes: object) -> DisclosureRecord:
    values = {"given_name": "Ada", "emails": ["ada@example.com"]}
    fields = {"partner_id": PARTNER, "token_id": "jti-1", "subject_id": subject,
              "fields": tuple(values), "purpose": PURPOSE, "grants": (uuid4(),),
              "response_hash": response_hash(values), **changes}
    return DisclosureRecord(**fields)  # type: ignore[arg-type]


def test_the_response_hash_is_of_canonical_json() -> None:
    values = {"b": Decimal("1.50"), "a": [date(2026, 1, 2)], "c": "Åda",
              "d": datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "e": UUID(int=1)}
    canonical = ('{"a":["2026-01-02"],"b":"1.50","c":"Åda","d":"2026-01-02T03:04:00+00:00",'
                 '"e":"00000000-0000-0000-0000-000000000001"}')
    assert response_hash(values) == sha256(canonical.encode()).hexdigest()
    assert response_hash({"x": 1, "y": None}) == response_hash({"y": None, "x": 1})


def test_a_request_s_disclosures_are_one_commit_holding_no_personal_value(hub: CrmHub) -> None:
    ada = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Ada"})
    grace = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Grace"})
    start = hub.position()

    ids = hub.record_disclosures(actor=f"partner:{PARTNER}", records=[record(ada), record(grace)])

    recorded = events_since(hub, start)
    assert [type(e) for e in recorded] == [Disclosure.Recorded] * 2  # type: ignore[attr-defined]
    assert [e.originator_id for e in recorded] == ids
    assert Disclosure.Recorded not in personal_data.PERSONAL_DATA  # type: ignore[attr-defined]
    assert "Ada" not in json.dumps([str(vars(e)) for e in recorded])
    first = hub.disclosure(ids[0])
    assert (first.partner_id, first.subject_id, first.fields, first.purpose, first.token_id) == (
        PARTNER, ada, ["given_name", "emails"], PURPOSE, "jti-1")
    assert hub.record_disclosures(actor="x", records=[]) == []

    hub.erase_customer(actor="dpo", customer_id=ada)
    assert hub.disclosure(ids[0]).fields == ["given_name", "emails"]  # the proof survives


@pytest.mark.parametrize(("change", "field"), [
    ({"fields": ()}, "records[1].fields"),
    ({"fields": ("name", " ")}, "records[1].fields[1]"),
    ({"purpose": "telepathy"}, "records[1].purpose"),
    ({"response_hash": "abc"}, "records[1].responseHash"),
    ({"token_id": ""}, "records[1].tokenId"),
    ({"subject_id": "not an id"}, "records[1].subjectId"),
])
def test_a_malformed_record_refuses_the_whole_request(hub: CrmHub, change: dict[str, object],
                                                       field: str) -> None:
    with records_nothing(hub), pytest.raises(InvalidValueError) as refused:
        hub.record_disclosures(actor="x", records=[record(uuid4()), record(uuid4(), **change)])
    assert refused.value.field == field


def test_a_notice_is_acknowledged_once(hub: CrmHub) -> None:
    notice = uuid4()
    assert hub.notice_acknowledgement(notice) is None
    hub.acknowledge_notice(actor="partner", partner_id=PARTNER, notice_id=notice)
    acknowledged = hub.notice_acknowledgement(notice)
    assert isinstance(acknowledged, NoticeAcknowledgement)
    assert acknowledged.partner_id == PARTNER
    with records_nothing(hub), pytest.raises(InvalidTransitionError, match="already acknowledged"):
        hub.acknowledge_notice(actor="partner", partner_id=PARTNER, notice_id=notice)
