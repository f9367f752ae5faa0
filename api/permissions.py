"""Who may do what: roles and the actions they are granted. One table, one place."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    INTERACTIONS_WRITE = "interactions:write"
    SALES_READ = "sales:read"
    SALES_WRITE = "sales:write"
    SERVICE_READ = "service:read"
    SERVICE_WRITE = "service:write"
    MARKETING_READ = "marketing:read"
    MARKETING_WRITE = "marketing:write"
    ORDERS_READ = "orders:read"
    ORDERS_WRITE = "orders:write"
    CONSENT_READ = "consent:read"
    CONSENT_WRITE = "consent:write"
    #: Erasing a customer's personal data: admins only.
    PRIVACY_ERASE = "privacy:erase"
    #: Exporting everything held about a customer (subject access): admins only.
    PRIVACY_EXPORT = "privacy:export"
    #: Reading the partner registry: admins, sales, analysts and auditors.
    PARTNERS_READ = "partners:read"
    #: Registering partners and changing their terms or status: admins only.
    PARTNERS_WRITE = "partners:write"
    #: Reading the disclosure log and the notices owed to partners: admins and auditors.
    DISCLOSURES_READ = "disclosures:read"
    #: Listing the tokens issued to partners: admins only.
    TOKENS_READ = "tokens:read"
    #: Issuing partner tokens and revoking any token: admins only.
    TOKENS_WRITE = "tokens:write"
    #: Verifying the ledger (tamper evidence) and reading its checkpoints: admins, auditors.
    AUDIT_READ = "audit:read"


_READ_ALL = frozenset({Action.CUSTOMERS_READ, Action.SALES_READ, Action.SERVICE_READ,
                       Action.MARKETING_READ, Action.ORDERS_READ, Action.CONSENT_READ,
                       Action.PARTNERS_READ})

#: Every internal role reads the customer and records its interactions with it;
#: each department writes its own aggregates and records the consent customers give it;
#: analysts and auditors only read.
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "admin": frozenset(Action),
    "sales": frozenset({Action.CUSTOMERS_READ, Action.CUSTOMERS_WRITE,
                        Action.INTERACTIONS_WRITE, Action.SALES_READ, Action.SALES_WRITE,
                        Action.ORDERS_READ, Action.ORDERS_WRITE, Action.MARKETING_READ,
                        Action.CONSENT_READ, Action.CONSENT_WRITE, Action.PARTNERS_READ}),
    "service": frozenset({Action.CUSTOMERS_READ, Action.CUSTOMERS_WRITE,
                          Action.INTERACTIONS_WRITE, Action.SERVICE_READ, Action.SERVICE_WRITE,
                          Action.ORDERS_READ, Action.ORDERS_WRITE,
                          Action.CONSENT_READ, Action.CONSENT_WRITE}),
    "marketing": frozenset({Action.CUSTOMERS_READ, Action.INTERACTIONS_WRITE,
                            Action.MARKETING_READ, Action.MARKETING_WRITE, Action.ORDERS_READ,
                            Action.CONSENT_READ, Action.CONSENT_WRITE}),
    "analytics": _READ_ALL,
    "auditor": _READ_ALL | {Action.DISCLOSURES_READ, Action.AUDIT_READ},
}


def allows(role: str, action: Action) -> bool:
    return action in ROLE_ACTIONS.get(role, frozenset())
