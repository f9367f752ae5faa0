"""The partner registry's rules through the hub's commands."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from api.store import CrmHub
from domain.errors import ConcurrencyError, InvalidTransitionError, InvalidValueError, NotFoundError
from partners.partner import Partner
from tests.stories import events_since, records_nothing

ADMIN = "admin-1"


def register(hub: CrmHub, **changes: Any) -> UUID:
    arguments: dict[str, Any] = {
        "name": "Nordic Resale AB", "kind": "reseller", "territories": ["se", "NO"],
        "products": ["Routers", "switches"], "capacity": 20, **changes}
    return hub.register_partner(actor=ADMIN, **arguments)


def test_a_registered_partner_is_active_with_its_clean_profile(hub: CrmHub) -> None:
    partner = hub.partner(register(hub, territories=["se", "NO", "SE"],
                                   products=[" Routers ", "routers", "Switches"]))

    assert (partner.name, partner.kind, partner.status) == ("Nordic Resale AB", "reseller", "active")
    assert partner.territories == ["SE", "NO"]
    assert partner.products == ["Routers", "Switches"]
    assert partner.capacity == 20
    (registered,) = events_since(hub)
    assert isinstance(registered, Partner.Registered)  # type: ignore[attr-defined]
    assert registered.actor == ADMIN


def test_an_update_changes_what_is_given_and_nothing_else(hub: CrmHub) -> None:
    partner_id = register(hub)
    hub.update_partner(actor=ADMIN, partner_id=partner_id, capacity=0, territories=["DK"],
                       expected_version=1)

    partner = hub.partner(partner_id)
    assert (partner.capacity, partner.territories) == (0, ["DK"])
    assert (partner.name, partner.products) == ("Nordic Resale AB", ["Routers", "switches"])
    with records_nothing(hub):
        hub.update_partner(actor=ADMIN, partner_id=partner_id, capacity=0)
    with records_nothing(hub), pytest.raises(ConcurrencyError):
        hub.update_partner(actor=ADMIN, partner_id=partner_id, capacity=5, expected_version=1)


def test_a_partner_is_suspended_reactivated_and_terminated_for_good(hub: CrmHub) -> None:
    partner_id = register(hub)
    hub.suspend_partner(actor=ADMIN, partner_id=partner_id, reason="contract under review")
    assert hub.partner(partner_id).status == "suspended"
    hub.reactivate_partner(actor=ADMIN, partner_id=partner_id)
    assert (hub.partner(partner_id).status, hub.partner(partner_id).status_reason) == ("active", None)
    hub.terminate_partner(actor=ADMIN, partner_id=partner_id, reason="contract ended")

    partner = hub.partner(partner_id)
    assert (partner.status, partner.status_reason) == ("terminated", "contract ended")
    with records_nothing(hub):
        for attempt in (
            lambda: hub.suspend_partner(actor=ADMIN, partner_id=partner_id, reason="again"),
            lambda: hub.reactivate_partner(actor=ADMIN, partner_id=partner_id),
            lambda: hub.terminate_partner(actor=ADMIN, partner_id=partner_id, reason="again"),
            lambda: hub.update_partner(actor=ADMIN, partner_id=partner_id, capacity=1),
        ):
            with pytest.raises(InvalidTransitionError, match="terminated"):
                attempt()


def test_only_a_suspended_partner_is_reactivated_and_only_an_active_one_suspended(
    hub: CrmHub,
) -> None:
    partner_id = register(hub)
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.reactivate_partner(actor=ADMIN, partner_id=partner_id)
    hub.suspend_partner(actor=ADMIN, partner_id=partner_id, reason="late payments")
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.suspend_partner(actor=ADMIN, partner_id=partner_id, reason="twice")
    hub.terminate_partner(actor=ADMIN, partner_id=partner_id, reason="never paid")
    assert hub.partner(partner_id).status == "terminated"


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": "  "}, "name"),
    ({"kind": "franchise"}, "kind"),
    ({"territories": []}, "territories"),
    ({"territories": ["SE", "UK"]}, "territories[1]"),
    ({"territories": ["SWE"]}, "territories[0]"),
    ({"products": []}, "products"),
    ({"products": ["Routers", " "]}, "products[1]"),
    ({"products": ["x" * 101]}, "products[0]"),
    ({"products": [f"p{n}" for n in range(101)]}, "products"),
    ({"capacity": -1}, "capacity"),
    ({"capacity": True}, "capacity"),
])
def test_a_bad_registration_names_the_field_and_records_nothing(
    hub: CrmHub, changes: dict[str, Any], field: str
) -> None:
    with records_nothing(hub), pytest.raises(InvalidValueError) as refused:
        register(hub, **changes)
    assert refused.value.field == field


def test_a_bad_update_or_reason_names_the_field_and_records_nothing(hub: CrmHub) -> None:
    partner_id = register(hub)
    with records_nothing(hub):
        for attempt, field in (
            (lambda: hub.update_partner(actor=ADMIN, partner_id=partner_id, territories=["XX"]),
             "territories[0]"),
            (lambda: hub.update_partner(actor=ADMIN, partner_id=partner_id, capacity=-3),
             "capacity"),
            (lambda: hub.suspend_partner(actor=ADMIN, partner_id=partner_id, reason=" "), "reason"),
            (lambda: hub.terminate_partner(actor=ADMIN, partner_id=partner_id, reason=""),
             "reason"),
            (lambda: hub.suspend_partner(actor=ADMIN, partner_id="nope", reason="x"), "partnerId"),
        ):
            with pytest.raises(InvalidValueError) as refused:
                attempt()
            assert refused.value.field == field


def test_an_unknown_partner_is_not_found(hub: CrmHub) -> None:
    with records_nothing(hub), pytest.raises(NotFoundError, match="partner"):
        hub.suspend_partner(actor=ADMIN, partner_id=uuid4(), reason="unknown")
