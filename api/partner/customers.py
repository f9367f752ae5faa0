"""Customers, as far as each one consented to this partner (scope `customers:read`).

Every field is read through the consent policy (`privacy.policy.disclose`) as the partner
(its id and its kind) for the token's purpose, from the authoritative consent state:

- only the fields the query selects are read, and of those only the ones a live grant
  covers come back; any other is null, with no error;
- a customer of whom the partner may see nothing of what it asked does not exist for it
  (NOT_FOUND, never FORBIDDEN: existence does not leak); a partner that is not active
  has no valid token at all;
- what comes back is logged (`api.partner.disclosure_log`) before the response leaves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import strawberry

from api.graphql.customers import LifecycleStage
from api.graphql.errors import user_error
from api.partner.auth import scoped
from api.partner.context import PartnerContext, PartnerInfo, read
from api.partner.data_categories import PARTNER_FIELD_CATEGORIES
from api.partner.disclosure_log import disclosed
from api.partner.selection import Tree, flattened, selected
from api.store import CrmHub
from domain import customers as model
from domain.errors import NotFoundError
from partners.partner import PartnerStatus
from privacy.policy import Disclosure, Reader, disclose

#: At most this many ids in one `customers(ids: ...)`.
MAX_IDS = 100


@strawberry.type(description="A customer's postal address, as far as consent covers it.")
class CustomerAddress:
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = strawberry.field(default=None, description="ISO 3166-1 alpha-2.")


@strawberry.type(description=(
    "A customer as far as they consented to you: each field is there only if a live consent "
    "grant to you (or to every partner of your kind), for your token's purpose, covers its "
    "data category; otherwise it is null."))
class PartnerCustomer:
    id: strawberry.ID
    display_name: str | None = strawberry.field(default=None,
                                                description="Given and family name.")
    given_name: str | None = None
    family_name: str | None = None
    company_name: str | None = strawberry.field(default=None,
                                                description="Where the person works.")
    job_title: str | None = None
    emails: list[str] | None = None
    phones: list[str] | None = None
    address: CustomerAddress | None = None
    stage: LifecycleStage | None = strawberry.field(
        default=None, description="Lead, prospect, customer or churned.")


_CATEGORIES = PARTNER_FIELD_CATEGORIES["PartnerCustomer"]
#: Each field of `PartnerCustomer` -> the attributes of the customer its value is made of.
_SOURCES: dict[str, tuple[str, ...]] = {
    "id": ("id",), "displayName": ("given_name", "family_name"), "givenName": ("given_name",),
    "familyName": ("family_name",), "companyName": ("company_name",),
    "jobTitle": ("job_title",), "emails": ("emails",), "phones": ("phones",),
    "address": ("address",), "stage": ("stage",),
}
_ADDRESS = {"street": "street", "city": "city", "postalCode": "postal_code",
            "region": "region", "country": "country"}


def _attributes(tree: Tree) -> dict[str, str]:
    """The customer attributes the selected fields need -> their data category."""
    wanted: dict[str, str] = {}
    for name in tree:
        for attribute in _SOURCES[name]:
            assert wanted.setdefault(attribute, _CATEGORIES[name]) == _CATEGORIES[name]
    return wanted


def _value(name: str, below: Tree, values: dict[str, Any]) -> Any:
    """The value of field `name` as the response returns it (objects as dicts)."""
    if name == "id":
        return str(values["id"])
    if name == "displayName":
        return " ".join(p for p in (values["given_name"], values["family_name"]) if p) or None
    if name == "address":
        address = values["address"]
        return None if address is None else {
            part: address.get(_ADDRESS[part]) for part in below}
    if name == "stage":
        return model.LifecycleStage(values["stage"]).name
    value = values[_SOURCES[name][0]]
    return list(value) if isinstance(value, list) else value


def _returned(tree: Tree, disclosure: Disclosure) -> dict[str, Any]:
    """The selected fields the policy allowed, as returned."""
    allowed = disclosure.values
    return {name: _value(name, below, allowed) for name, below in tree.items()
            if all(attribute in allowed for attribute in _SOURCES[name])}


def _customer(customer_id: UUID, returned: dict[str, Any]) -> PartnerCustomer:
    address = returned.get("address")
    stage = returned.get("stage")
    return PartnerCustomer(
        id=strawberry.ID(str(customer_id)), display_name=returned.get("displayName"),
        given_name=returned.get("givenName"), family_name=returned.get("familyName"),
        company_name=returned.get("companyName"), job_title=returned.get("jobTitle"),
        emails=returned.get("emails"), phones=returned.get("phones"),
        address=None if address is None else CustomerAddress(
            **{_ADDRESS[part]: value for part, value in address.items()}),
        stage=None if stage is None else model.LifecycleStage[stage],
    )


def _parse(value: str, field: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise user_error(f"{value!r} is not an id", "BAD_USER_INPUT", field=field) from None


def _reader(context: PartnerContext) -> Reader | None:
    """The partner as a reader for its token's purpose (None: sees nothing). Its status
    and kind were read from the log when its token was verified for this request."""
    caller = context.principal
    assert caller is not None and caller.partner_id is not None, "guarded by api.partner.auth"
    if (caller.partner_status != PartnerStatus.ACTIVE or caller.partner_kind is None
            or caller.purpose is None):
        return None
    return Reader.partner(caller.partner_id, caller.partner_kind, caller.purpose)


def _disclose(hub: CrmHub, reader: Reader | None, customer_id: UUID,
              tree: Tree) -> tuple[dict[str, Any], Disclosure]:
    """What the reader may see of the selected fields, or NOT_FOUND (named the same
    whether the id is unknown, of something else, or of a customer hidden from it)."""
    try:
        if reader is None:
            raise NotFoundError("customer", customer_id)
        disclosure = disclose(hub, reader, customer_id, _attributes(tree), at=datetime.now(UTC),
                              kind=model.Customer)
    except NotFoundError:
        raise NotFoundError("customer", customer_id) from None
    return _returned(tree, disclosure), disclosure


def _disclose_one(context: PartnerContext, customer_id: UUID,
                  tree: Tree) -> tuple[dict[str, Any], Disclosure]:
    """In one worker thread: the partner (once per request), then the customer."""
    return _disclose(context.hub, _reader(context), customer_id, tree)


def _disclose_each(context: PartnerContext, ids: list[UUID],
                   tree: Tree) -> list[tuple[dict[str, Any], Disclosure]]:
    reader = _reader(context)
    found = []
    for customer_id in ids:
        try:
            found.append(_disclose(context.hub, reader, customer_id, tree))
        except NotFoundError:
            continue
    return found


def _log(info: PartnerInfo, tree: Tree, returned: dict[str, Any],
         disclosure: Disclosure) -> PartnerCustomer:
    names = flattened({name: below for name, below in tree.items() if name in returned})
    disclosed(info, disclosure.subject_id, names=names, values=returned,
              grants=disclosure.grants)
    return _customer(disclosure.subject_id, returned)


@strawberry.type
class CustomerQuery:
    @strawberry.field(extensions=scoped("customers:read"), description=(
        "One customer, with the fields their consent lets you see (the others are null). "
        "A customer of whom you may see none of the fields asked for is NOT_FOUND."))
    async def customer(self, info: PartnerInfo, id: strawberry.ID) -> PartnerCustomer:  # noqa: A002
        customer_id = _parse(id, "id")
        tree = selected(info)
        returned, disclosure = await read(info, _disclose_one, info.context, customer_id, tree)
        return _log(info, tree, returned, disclosure)

    @strawberry.field(extensions=scoped("customers:read"), description=(
        f"Up to {MAX_IDS} customers by id, in the order asked: those that exist for you "
        "(see `customer`); the others are left out."))
    async def customers(self, info: PartnerInfo, ids: list[strawberry.ID]) -> list[PartnerCustomer]:
        if len(ids) > MAX_IDS:
            raise user_error(f"ask for at most {MAX_IDS} customers at once", "BAD_USER_INPUT",
                             field="ids")
        wanted = list(dict.fromkeys(_parse(value, f"ids[{index}]")
                                    for index, value in enumerate(ids)))
        tree = selected(info)
        found = await read(info, _disclose_each, info.context, wanted, tree)
        return [_log(info, tree, returned, disclosure) for returned, disclosure in found]
