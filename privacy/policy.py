"""The policy: one function decides whether a reader may see a field of a data subject
(a customer, or a lead: a person before they are a customer).

A field is known by its data category (`api/graphql/data_categories.py` classifies every
field of the GraphQL schemas; `privacy/vocabulary.json` names the categories). Whether a
reader may see it depends on who reads and why:

- Staff reading for the organisation's own operations (sales, service, support: the
  contract with the customer) see what their role's permissions reach: `Reader.staff()`.
- The organisation using data for a purpose that needs consent (`CONSENT_PURPOSES`:
  marketing, sharing with third parties) needs a live grant to itself for that purpose
  and category.
- A partner always needs a live grant, to it or to its category, for its token's one
  purpose and the field's category.

Data that is not about a person (categories outside `user`: stages, amounts, counts) needs
no consent. An erased customer (and the lead they were converted from) has nothing to show
to anyone who needs consent. Consent is read from the Consent aggregate, never from a
view: a read that starts after a withdrawal sees the withdrawal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.customers import Customer
from domain.errors import NotFoundError
from domain.leads import Lead
from privacy import vocabulary as names
from privacy.commands import ConsentCommands
from privacy.consent import Consent, Recipient, RecipientKind

#: Purposes for which the organisation itself needs the customer's consent.
CONSENT_PURPOSES = ("marketing", "third_party_sharing")
#: Data categories about a person; the others (`system...`) need no consent.
PERSONAL = "user"


@dataclass(frozen=True)
class Reader:
    """Who reads (`recipient`) and for what (`purpose`; None: the organisation's own
    operations)."""

    recipient: Recipient
    purpose: str | None = None

    @classmethod
    def staff(cls) -> Reader:
        return cls(Recipient(RecipientKind.ORGANISATION.value))

    @classmethod
    def organisation(cls, purpose: str) -> Reader:
        return cls(Recipient(RecipientKind.ORGANISATION.value), purpose)

    @classmethod
    def partner(cls, partner_id: UUID, category: str, purpose: str) -> Reader:
        return cls(Recipient(RecipientKind.PARTNER.value, partner_id, category), purpose)

    @property
    def needs_consent(self) -> bool:
        if self.recipient.kind != RecipientKind.ORGANISATION:
            return True
        return self.purpose is not None and any(
            names.covers(purpose, self.purpose) for purpose in CONSENT_PURPOSES)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: The consent grants relied on (empty when none was needed, or none was found).
    grants: tuple[UUID, ...] = ()


def decide(reader: Reader, category: str, *, consent: Consent | None, erased: bool,
           at: datetime) -> Decision:
    """May `reader` see a field of `category` about this customer at `at`?

    A reader who needs consent sees a personal field only under a live grant covering its
    category, and a field not about the person (a stage, an amount) only while some live
    grant lets the customer exist for it at all."""
    if not reader.needs_consent:
        return Decision(True)
    if erased or consent is None or reader.purpose is None:
        return Decision(False)
    if names.covers(PERSONAL, category):
        grants = consent.covers(reader.recipient, reader.purpose, category, at)
    else:
        grants = [grant for grant in consent.live_grants(at)
                  if any(grant.covers(reader.recipient, reader.purpose, granted)
                         for granted in grant.categories)]
    return Decision(bool(grants), tuple(grant.id for grant in grants))


@dataclass(frozen=True)
class Disclosure:
    """What a reader may see of one data subject (a customer or a lead): the allowed
    fields, and the grants relied on."""

    subject_id: UUID
    values: dict[str, Any]
    grants: tuple[UUID, ...]


def disclose(hub: ConsentCommands, reader: Reader, subject_id: UUID | str,
             fields: Mapping[str, str], *, at: datetime,
             kind: type[Customer] | type[Lead] | None = None) -> Disclosure:
    """The fields (attribute name -> data category) of a customer's or a lead's record
    that `reader` may see at `at`, under the subject's own consent (a converted lead's
    grants stay the lead's). A subject of whom the reader may see nothing does not exist
    for them (`NotFoundError`, never "forbidden": existence does not leak); nor does an
    erased one, to a reader who needs consent (a lead is erased with its customer).
    Given a `kind`, a subject of the other kind is not found either."""
    subject = hub.data_subject(subject_id)
    if kind is not None and not isinstance(subject, kind):
        raise NotFoundError(kind.KIND, subject.id)
    consent = hub.consent_of(subject.id)
    erased = reader.needs_consent and consent is not None and hub.subject_erased(subject)
    values: dict[str, Any] = {}
    relied: list[UUID] = []
    for name, category in fields.items():
        decision = decide(reader, category, consent=consent, erased=erased, at=at)
        if decision.allowed:
            values[name] = getattr(subject, name)
            relied += [grant for grant in decision.grants if grant not in relied]
    if reader.needs_consent and not relied:
        raise NotFoundError(subject.KIND, subject.id)
    return Disclosure(subject.id, values, tuple(relied))
