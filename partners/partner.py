"""Partners: the suppliers, vendors, distributors and resellers the CRM works with.

A partner serves territories (countries) and products or product categories, and can
take so many leads at once (its capacity). Its status is active, suspended or
terminated: active <-> suspended, either -> terminated, and terminated is final.

Its kind is consent's `PartnerCategory`: a customer's grant to "every reseller" must
mean the same resellers this registry knows, so the vocabulary is defined once, in
`privacy` (which must not import `partners`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from eventsourcing.domain import event

from domain import personal_data
from domain.base import CrmAggregate, clean_text, require, required_text
from domain.errors import InvalidTransitionError
from domain.values import Vocabulary
from partners.territories import parse_territories
from partners.tokens import IssuedToken, issued_token, revoked_token
from privacy.consent import PartnerCategory

NAME_MAX = 200
PRODUCT_MAX = 100
PRODUCTS_MAX = 100
REASON_MAX = 500
#: More leads at once than any partner could work: a guard against typos.
CAPACITY_MAX = 100_000


class PartnerStatus(Vocabulary):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class Partner(CrmAggregate):
    """One partner organisation, from registration to termination."""

    KIND = "partner"

    @event("Registered")
    def __init__(self, *, name: str, kind: str, territories: list[str], products: list[str],
                 capacity: int) -> None:
        self.name = name
        self.kind = kind
        self.territories = territories
        self.products = products
        self.capacity = capacity
        self.status = PartnerStatus.ACTIVE.value
        self.status_reason: str | None = None
        #: The tokens issued to its systems, by id (`jti`): see `partners/tokens.py`.
        self.tokens: dict[str, IssuedToken] = {}

    @classmethod
    def register(cls, *, name: str, kind: str, territories: Sequence[str],
                 products: Sequence[str], capacity: int) -> Partner:
        return cls(
            name=required_text(name, "name", max_length=NAME_MAX),
            kind=PartnerCategory.parse(kind, "kind").value,
            territories=parse_territories(territories, "territories"),
            products=parse_products(products, "products"),
            capacity=parse_capacity(capacity, "capacity"),
        )

    # -- profile --------------------------------------------------------------------------

    def update(self, *, name: str | None, territories: Sequence[str] | None,
               products: Sequence[str] | None, capacity: int | None) -> None:
        """Change what is given (None keeps it); a change to nothing records nothing."""
        self._require_not_terminated("updated")
        changed = (
            self.name if name is None else required_text(name, "name", max_length=NAME_MAX),
            self.territories if territories is None
            else parse_territories(territories, "territories"),
            self.products if products is None else parse_products(products, "products"),
            self.capacity if capacity is None else parse_capacity(capacity, "capacity"),
        )
        if changed != (self.name, self.territories, self.products, self.capacity):
            new_name, new_territories, new_products, new_capacity = changed
            self._update(name=new_name, territories=new_territories, products=new_products,
                         capacity=new_capacity)

    @event("Updated")
    def _update(self, *, name: str, territories: list[str], products: list[str],
                capacity: int) -> None:
        self.name = name
        self.territories = territories
        self.products = products
        self.capacity = capacity

    # -- status ---------------------------------------------------------------------------

    def suspend(self, reason: str) -> None:
        self._require_status(PartnerStatus.ACTIVE, action="suspended")
        self._suspend(reason=required_text(reason, "reason", max_length=REASON_MAX))

    @event("Suspended")
    def _suspend(self, *, reason: str) -> None:
        self.status = PartnerStatus.SUSPENDED.value
        self.status_reason = reason

    def reactivate(self, reason: str | None) -> None:
        self._require_status(PartnerStatus.SUSPENDED, action="reactivated")
        self._reactivate(reason=clean_text(reason, "reason", max_length=REASON_MAX) or None)

    @event("Reactivated")
    def _reactivate(self, *, reason: str | None) -> None:
        self.status = PartnerStatus.ACTIVE.value
        self.status_reason = reason

    def terminate(self, reason: str) -> None:
        self._require_not_terminated("terminated")
        self._terminate(reason=required_text(reason, "reason", max_length=REASON_MAX))

    @event("Terminated")
    def _terminate(self, *, reason: str) -> None:
        self.status = PartnerStatus.TERMINATED.value
        self.status_reason = reason

    # -- tokens (see partners/tokens.py) --------------------------------------------------

    def record_token(self, *, jti: str, scopes: Sequence[str], purpose: str,
                     issued_at: datetime, expires_at: datetime) -> None:
        """A token was issued to the partner's systems: only while it is active."""
        self._require_status(PartnerStatus.ACTIVE, action="issued a token")
        self._token_issued(**issued_token(self.tokens, jti=jti, scopes=scopes, purpose=purpose,
                                          issued_at=issued_at, expires_at=expires_at))

    @event("TokenIssued")
    def _token_issued(self, *, jti: str, scopes: list[str], purpose: str, issued_at: datetime,
                      expires_at: datetime) -> None:
        self.tokens = {**self.tokens, jti: IssuedToken(
            jti=jti, scopes=scopes, purpose=purpose, issued_at=issued_at,
            expires_at=expires_at, revoked_at=None, revoke_reason=None)}

    def revoke_token(self, *, jti: str, reason: str, revoked_at: datetime) -> None:
        """Refuse one of its tokens from now on (also once suspended or terminated)."""
        self._token_revoked(**revoked_token(self.tokens, jti=jti, reason=reason,
                                            revoked_at=revoked_at, partner_id=self.id))

    @event("TokenRevoked")
    def _token_revoked(self, *, jti: str, reason: str, revoked_at: datetime) -> None:
        self.tokens = {**self.tokens,
                       jti: {**self.tokens[jti], "revoked_at": revoked_at, "revoke_reason": reason}}

    def _require_not_terminated(self, action: str) -> None:
        self._require_status(PartnerStatus.ACTIVE, PartnerStatus.SUSPENDED, action=action)

    def _require_status(self, *allowed: PartnerStatus, action: str) -> None:
        if self.status not in allowed:
            raise InvalidTransitionError(f"partner {self.id} is {self.status} and cannot be {action}")


def parse_products(products: Sequence[str], field: str) -> list[str]:
    """The products or categories a partner serves: at least one, each non-empty text,
    without repeats (ignoring case), in the order given."""
    require(bool(products), field, "name at least one product or category")
    require(len(products) <= PRODUCTS_MAX, field, f"must name at most {PRODUCTS_MAX}")
    cleaned = [required_text(product, f"{field}[{index}]", max_length=PRODUCT_MAX)
               for index, product in enumerate(products)]
    unique: dict[str, str] = {}
    for product in cleaned:
        unique.setdefault(product.casefold(), product)
    return list(unique.values())


def parse_capacity(capacity: int, field: str) -> int:
    """How many leads the partner can take at once: a whole number, zero (none now) or more."""
    require(isinstance(capacity, int) and not isinstance(capacity, bool), field,
            "must be a whole number")
    require(0 <= capacity <= CAPACITY_MAX, field, f"must be between 0 and {CAPACITY_MAX}")
    return capacity


# A partner is an organisation, not a person: its name, territories, products and
# capacity are not personal data, and no person could ask for them to be erased. The
# reasons of status changes are free text written by our staff about the organisation's
# standing (a breach of contract, a renewal); unlike a customer's withdrawal reason they
# quote no data subject, and there is no person to erase them for, so they are not
# marked either. Staff must not name people in them (the GraphQL descriptions say so).
# Its snapshots hold nothing personal either (the token list holds ids, scopes, purposes
# and times). The event classes are made by the library's metaclass from the `@event`
# names, which mypy cannot see.
personal_data.NO_PERSONAL_STATE.add(Partner)
personal_data.register(no_personal_data=[
    Partner.Registered, Partner.Updated, Partner.Suspended,  # type: ignore[attr-defined]
    Partner.Reactivated, Partner.Terminated,  # type: ignore[attr-defined]
    Partner.TokenIssued, Partner.TokenRevoked,  # type: ignore[attr-defined]
])
