"""The audit-read record: a read is recorded whole, or refused naming what is wrong."""

from __future__ import annotations

import uuid

import pytest

from domain.errors import InvalidValueError
from privacy.audit_read_commands import record_audit_read
from privacy.audit_reads import ARGUMENTS_MAX, AuditRead, ReadField
from projections.audit_reads import AuditReadView, audit_reads, reads_naming
from projections.runner import ProjectionRunner
from tests.stories import records_nothing


def test_a_cli_read_is_recorded_and_listed(hub, views):
    subject = uuid.uuid4()
    record = record_audit_read(hub, actor="cli:ann", role="cli", operation="audit replay",
                               arguments={"customer": str(subject), "at": None},
                               subjects=[subject, subject])
    runner = ProjectionRunner(hub, views, [AuditReadView()])
    runner.setup()
    runner.catch_up()
    [entry] = audit_reads(views)
    assert (entry.id, entry.principal, entry.interface, entry.subjects) == (
        record, "cli:ann", "cli", [subject])
    assert entry.fields == [{"name": "audit replay", "alias": "",
                             "arguments": f'{{"at":null,"customer":"{subject}"}}'}]
    assert reads_naming(views, [subject]) == [entry] and reads_naming(views, [uuid.uuid4()]) == []
    assert audit_reads(views, principal="someone-else") == []


@pytest.mark.parametrize(("change", "field"), [
    ({"interface": "email"}, "interface"),
    ({"fields": []}, "fields"),
    ({"fields": [ReadField(name=" ")]}, "fields[0].name"),
    ({"fields": [ReadField(name="history", arguments={"q": "x" * ARGUMENTS_MAX})]},
     "fields[0].arguments"),
    ({"subjects": ["not-an-id"]}, "subjects"),
    ({"role": ""}, "role"),
])
def test_a_malformed_record_is_refused_and_records_nothing(hub, change, field):
    record = {"actor": "auditor-user", "role": "auditor", "interface": "graphql",
              "operation": "", "fields": [ReadField(name="history")], "subjects": [], **change}
    with records_nothing(hub), pytest.raises(InvalidValueError) as refused:
        hub.log_audit_read(**record)
    assert refused.value.field == field


def test_the_record_holds_no_personal_data():
    from domain.personal_data import NO_PERSONAL_DATA

    assert AuditRead.Recorded in NO_PERSONAL_DATA  # type: ignore[attr-defined]
