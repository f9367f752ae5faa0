"""The disclosure log: what data of which person went to which partner, and on what basis.

One `Disclosure` per data subject (a customer, or a lead) per partner read: the partner,
the token (its `jti`) it read with, the subject, the names of the fields returned, the
token's purpose, the consent grants relied on, and a SHA-256 hash of the values returned
(`response_hash`: canonical JSON, so the partner can prove what it received and we can
prove what we sent, without either side keeping a second copy). Its time is the event's
`occurred_at`; `actor` is the partner principal.

It holds no personal values: field names, ids and a hash. The subject id with the fact
of a disclosure is still about a person, but only through records that hold the
person's data: once the person is erased, their key is gone and the id points at
nothing readable. The record therefore survives erasure on purpose: it is the proof of
what was shared, with whom and why (the controller's accountability, and the list of
recipients an erased or withdrawing person's partners are told from). Its events are
registered as holding no personal data, so erasure never blanks them. The hash is of
values the partner already holds; it confirms a guess only to one who can guess the whole
response exactly.

A partner acknowledges each notice of a withdrawal or an erasure (the notices are derived
by the view `projections/disclosures.py`) with a `NoticeAcknowledgement`, whose id is the
notice's id: a notice is acknowledged once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain import personal_data
from domain.base import CrmAggregate, require, required_text
from privacy import vocabulary as names

FIELDS_MAX = 200
FIELD_NAME_MAX = 100
TOKEN_ID_MAX = 200
GRANTS_MAX = 200
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class DisclosureRecord:
    """One disclosure of one subject to one partner, as the partner API hands it in."""

    partner_id: UUID
    token_id: str
    subject_id: UUID
    fields: tuple[str, ...]
    purpose: str
    grants: tuple[UUID, ...]
    response_hash: str


def canonical_json(values: Any) -> str:
    """Canonical JSON: keys sorted, no spaces, times and dates ISO-8601, ids and decimals
    as text (the disclosure log's hashes and the audit reads' arguments)."""
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_canonical)


def response_hash(values: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of the canonical JSON (UTF-8) of the values returned for one
    subject."""
    return hashlib.sha256(canonical_json(values).encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


class Disclosure(CrmAggregate):
    """One disclosure of one data subject's fields to one partner. Never changes."""

    KIND = "disclosure"

    @event("Recorded")
    def __init__(self, *, partner_id: UUID, token_id: str, subject_id: UUID, fields: list[str],
                 purpose: str, grants: list[UUID], response_hash: str) -> None:
        self.partner_id = partner_id
        self.token_id = token_id
        self.subject_id = subject_id
        self.fields = fields
        self.purpose = purpose
        self.grants = grants
        self.response_hash = response_hash

    @classmethod
    def record(cls, record: DisclosureRecord, field: str = "") -> Disclosure:
        """The disclosure, refusing a record that is not one (`field` prefixes the names)."""
        require(isinstance(record.partner_id, UUID), f"{field}partnerId", "must be an id")
        require(isinstance(record.subject_id, UUID), f"{field}subjectId", "must be an id")
        require(bool(record.fields) and len(record.fields) <= FIELDS_MAX, f"{field}fields",
                f"name between 1 and {FIELDS_MAX} fields")
        fields = [required_text(name, f"{field}fields[{index}]", max_length=FIELD_NAME_MAX)
                  for index, name in enumerate(record.fields)]
        require(len(record.grants) <= GRANTS_MAX and all(
            isinstance(grant, UUID) for grant in record.grants), f"{field}grants",
            f"must be at most {GRANTS_MAX} grant ids")
        require(isinstance(record.response_hash, str)
                and bool(_HASH.fullmatch(record.response_hash)), f"{field}responseHash",
                "must be a SHA-256 in lower-case hex")
        return cls(
            partner_id=record.partner_id,
            token_id=required_text(record.token_id, f"{field}tokenId", max_length=TOKEN_ID_MAX),
            subject_id=record.subject_id, fields=list(dict.fromkeys(fields)),
            purpose=names.vocabulary().purpose(record.purpose, f"{field}purpose"),
            grants=list(dict.fromkeys(record.grants)), response_hash=record.response_hash,
        )


class NoticeAcknowledgement(CrmAggregate):
    """A partner's acknowledgement of one notice (its id is the notice's id)."""

    KIND = "notice acknowledgement"

    @event("Acknowledged")
    def __init__(self, *, id: UUID, partner_id: UUID) -> None:  # noqa: A002 (the library's name)
        self.partner_id = partner_id


def disclosures_of(records: Sequence[DisclosureRecord]) -> list[Disclosure]:
    """Each record as a disclosure; a bad one refused naming `records[index]`."""
    return [Disclosure.record(record, f"records[{index}].") for index, record in enumerate(records)]


personal_data.register(no_personal_data=[
    Disclosure.Recorded, NoticeAcknowledgement.Acknowledged,  # type: ignore[attr-defined]
])
