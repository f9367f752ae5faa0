"""Every operation of the partner schema is guarded by a partner token (and a scope when
it names one): a field added without `scoped(...)` or `any_partner()` fails here."""

from __future__ import annotations

import pytest

from api.partner.auth import PartnerAllowed
from api.partner.schema import build_partner_schema
from api.settings import Settings
from api.tokens import PARTNER_SCOPES

SCHEMA = build_partner_schema(Settings())
OPERATIONS = [(root, field) for root in ("Query", "Mutation")
              for field in getattr(SCHEMA.get_type_by_name(root), "fields", [])]


def guards(field) -> list[PartnerAllowed]:
    return [permission for extension in field.extensions
            for permission in getattr(extension, "permissions", [])
            if isinstance(permission, PartnerAllowed)]


@pytest.mark.parametrize(("root", "field"), OPERATIONS,
                         ids=[f"{root}.{field.name}" for root, field in OPERATIONS])
def test_every_operation_needs_a_partner_token(root, field):
    (guard,) = guards(field)
    assert guard.scope is None or guard.scope in PARTNER_SCOPES


def test_reading_customers_needs_its_scope():
    fields = {field.name: field for root, field in OPERATIONS}
    assert [guard.scope for guard in guards(fields["customer"])] == ["customers:read"]
    assert [guard.scope for guard in guards(fields["customers"])] == ["customers:read"]
