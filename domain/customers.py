"""Customers: persons and organisations, their profile and lifecycle."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import CrmAggregate, clean_text, require, required_text
from domain.errors import InvalidTransitionError, InvalidValueError
from domain.values import Vocabulary


class CustomerKind(Vocabulary):
    PERSON = "person"
    ORGANISATION = "organisation"


class LifecycleStage(Vocabulary):
    LEAD = "lead"
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    CHURNED = "churned"


#: Which stage may follow which: forward through the funnel, and back where it happens.
STAGE_TRANSITIONS: dict[LifecycleStage, frozenset[LifecycleStage]] = {
    LifecycleStage.LEAD: frozenset({LifecycleStage.PROSPECT, LifecycleStage.CUSTOMER}),
    LifecycleStage.PROSPECT: frozenset({LifecycleStage.LEAD, LifecycleStage.CUSTOMER}),
    LifecycleStage.CUSTOMER: frozenset({LifecycleStage.CHURNED}),
    LifecycleStage.CHURNED: frozenset({LifecycleStage.CUSTOMER, LifecycleStage.PROSPECT}),
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9(][0-9 ()./-]{4,22}[0-9]$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,39}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
ADDRESS_FIELDS = ("street", "city", "postal_code", "region", "country")
MAX_LIST = 10


def parse_emails(values: list[str], field: str = "emails") -> list[str]:
    require(len(values) <= MAX_LIST, field, f"at most {MAX_LIST} addresses")
    emails = [v.strip().lower() for v in values]
    for email in emails:
        require(bool(_EMAIL.match(email)) and len(email) <= 254, field,
                f"{email!r} is not an email address")
    return list(dict.fromkeys(emails))


def parse_phones(values: list[str], field: str = "phones") -> list[str]:
    require(len(values) <= MAX_LIST, field, f"at most {MAX_LIST} numbers")
    phones = [v.strip() for v in values]
    for phone in phones:
        require(bool(_PHONE.match(phone)), field, f"{phone!r} is not a phone number")
    return list(dict.fromkeys(phones))


def parse_address(
    value: dict[str, str | None] | None, field: str = "address"
) -> dict[str, str] | None:
    if value is None:
        return None
    unknown = set(value) - set(ADDRESS_FIELDS)
    require(not unknown, field,
            f"unknown parts {sorted(unknown)}; use {', '.join(ADDRESS_FIELDS)}")
    address = {}
    for part in ADDRESS_FIELDS:
        text = clean_text(value.get(part), f"{field}.{part}")
        if text:
            address[part] = text
    country = address.get("country")
    if country is not None:
        address["country"] = country.upper()
        require(bool(_COUNTRY.match(address["country"])), f"{field}.country",
                "must be an ISO-3166 alpha-2 code such as DE or GB")
    return address


def parse_tags(values: list[str], field: str = "tags") -> list[str]:
    tags = [v.strip().lower() for v in values]
    for tag in tags:
        require(bool(_TAG.match(tag)), field,
                f"{tag!r} is not a tag (lower-case letters, digits, _ . : -, up to 40)")
    return list(dict.fromkeys(tags))


class Customer(CrmAggregate):
    """A person or an organisation we do business with.

    Personal data (names, job title, emails, phones, address) is marked in
    `domain.personal_data`; company fields, stage, owner and tags are not personal.
    """

    KIND = "customer"
    #: True once the customer's personal data was erased (see `erase`).
    erased = False
    #: The lead this customer was converted from: its personal data is theirs too.
    lead_id: UUID | None = None

    @event("Registered")
    def __init__(
        self,
        *,
        kind: str,
        given_name: str | None,
        family_name: str | None,
        job_title: str | None,
        emails: list[str],
        phones: list[str],
        address: dict[str, str] | None,
        company_name: str | None,
        industry: str | None,
        website: str | None,
        organisation_id: UUID | None,
        stage: str,
        owner: str | None,
        tags: list[str],
        external_ids: dict[str, str],
        lead_id: UUID | None = None,
    ) -> None:
        self.kind = kind
        self.given_name = given_name
        self.family_name = family_name
        self.job_title = job_title
        self.emails = emails
        self.phones = phones
        self.address = address
        self.company_name = company_name
        self.industry = industry
        self.website = website
        self.organisation_id = organisation_id
        self.stage = stage
        self.owner = owner
        self.tags = tags
        self.external_ids = external_ids
        self.lead_id = lead_id

    @classmethod
    def register(cls, *, kind: str, profile: dict[str, Any], organisation_id: UUID | None,
                 stage: str, owner: str | None, tags: list[str],
                 external_ids: dict[str, str], lead_id: UUID | None = None) -> Customer:
        kind = CustomerKind.parse(kind, "kind")
        fields = parse_profile(profile)
        full: dict[str, Any] = {name: fields.get(name) for name in PROFILE_FIELDS}
        full["emails"] = full["emails"] or []
        full["phones"] = full["phones"] or []
        if kind is CustomerKind.PERSON:
            require(bool(full["given_name"] or full["family_name"]), "familyName",
                    "a person needs a given or a family name")
        else:
            require(bool(full["company_name"]), "companyName",
                    "an organisation needs a company name")
            require(organisation_id is None, "organisationId",
                    "an organisation cannot belong to another")
        for system, external_id in external_ids.items():
            _check_external_id(system, external_id)
        return cls(
            kind=kind.value, **full, organisation_id=organisation_id,
            stage=LifecycleStage.parse(stage, "stage").value,
            owner=clean_text(owner, "owner"), tags=parse_tags(tags),
            external_ids=dict(external_ids), lead_id=lead_id,
        )

    # -- profile ---------------------------------------------------------------

    def update_profile(self, changes: dict[str, Any]) -> None:
        self.require_not_erased()
        fields = parse_profile(changes)
        changed = {k: v for k, v in fields.items() if getattr(self, k) != v}
        if not changed:
            return
        if self.kind == CustomerKind.ORGANISATION and "company_name" in changed:
            require(bool(changed["company_name"]), "companyName",
                    "an organisation needs a company name")
        if self.kind == CustomerKind.PERSON:
            given = changed.get("given_name", self.given_name)
            family = changed.get("family_name", self.family_name)
            require(bool(given or family), "familyName", "a person needs a given or a family name")
        self._update_profile(**{name: changed.get(name) for name in PROFILE_FIELDS})

    @event("ProfileUpdated")
    def _update_profile(
        self,
        *,
        given_name: str | None,
        family_name: str | None,
        job_title: str | None,
        emails: list[str] | None,
        phones: list[str] | None,
        address: dict[str, str] | None,
        company_name: str | None,
        industry: str | None,
        website: str | None,
    ) -> None:
        """Each field that is not None replaces the current value ('' or [] clears it)."""
        for name, value in locals().items():
            if name != "self" and value is not None:
                setattr(self, name, value)

    # -- lifecycle, ownership, tags, links --------------------------------------

    def change_stage(self, stage: str, reason: str | None) -> None:
        new = LifecycleStage.parse(stage, "stage")
        current = LifecycleStage(self.stage)
        if new not in STAGE_TRANSITIONS[current]:
            raise InvalidTransitionError(
                f"customer {self.id} cannot move from stage {current.value} to {new.value}"
            )
        self._change_stage(stage=new.value, reason=clean_text(reason, "reason", max_length=500))

    @event("StageChanged")
    def _change_stage(self, *, stage: str, reason: str | None) -> None:
        self.stage = stage

    def assign_owner(self, owner: str) -> None:
        owner_id = required_text(owner, "owner")
        if owner_id != self.owner:
            self._assign_owner(owner=owner_id)

    @event("OwnerAssigned")
    def _assign_owner(self, *, owner: str) -> None:
        self.owner = owner

    def change_tags(self, *, add: list[str], remove: list[str]) -> None:
        added = [t for t in parse_tags(add, "add") if t not in self.tags]
        removed = [t for t in parse_tags(remove, "remove") if t in self.tags and t not in added]
        if added or removed:
            self._change_tags(added=added, removed=removed)

    @event("TagsChanged")
    def _change_tags(self, *, added: list[str], removed: list[str]) -> None:
        self.tags = [t for t in self.tags if t not in removed] + added

    def link_external_id(self, system: str, external_id: str) -> None:
        _check_external_id(system, external_id)
        if self.external_ids.get(system) == external_id:
            return
        self._link_external_id(system=system, external_id=external_id)

    @event("ExternalIdLinked")
    def _link_external_id(self, *, system: str, external_id: str) -> None:
        self.external_ids = {**self.external_ids, system: external_id}

    # -- erasure ----------------------------------------------------------------

    def erase(self) -> None:
        """Record that this person's personal data is erased: the privacy layer deletes
        the keys of `erased_subjects` (the customer, and the lead they came from), which
        makes every earlier copy of it unreadable."""
        self.require_not_erased()
        self._erase(erased_subjects=self.data_subjects())

    def data_subjects(self) -> list[UUID]:
        """Whose data keys hold this customer's personal data: theirs, and the lead's
        they were converted from."""
        return [self.id] + ([self.lead_id] if self.lead_id else [])

    @event("Erased")
    def _erase(self, *, erased_subjects: list[UUID]) -> None:
        self.given_name = self.family_name = self.job_title = None
        self.emails, self.phones, self.address = [], [], None
        self.erased = True

    def require_not_erased(self) -> None:
        if self.erased:
            raise InvalidTransitionError(f"customer {self.id} was erased")


PROFILE_FIELDS = ("given_name", "family_name", "job_title", "emails", "phones", "address",
                  "company_name", "industry", "website")
_TEXT_FIELDS = {"given_name": "givenName", "family_name": "familyName", "job_title": "jobTitle",
                "company_name": "companyName", "industry": "industry", "website": "website"}


def parse_profile(values: dict[str, Any]) -> dict[str, Any]:
    """Validate the profile fields present in `values` (None means 'not given')."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidValueError(sorted(unknown)[0], "is not a profile field")
    fields: dict[str, Any] = {}
    for name, api_name in _TEXT_FIELDS.items():
        if values.get(name) is not None:
            fields[name] = clean_text(values[name], api_name)
    if values.get("emails") is not None:
        fields["emails"] = parse_emails(values["emails"])
    if values.get("phones") is not None:
        fields["phones"] = parse_phones(values["phones"])
    if values.get("address") is not None:
        fields["address"] = parse_address(values["address"])
    return fields


def _check_external_id(system: str, external_id: str) -> None:
    require(bool(re.match(r"^[a-z][a-z0-9_-]{0,31}$", system or "")), "system",
            "must be a short lower-case system name such as 'salesforce'")
    require(bool(external_id and external_id.strip()) and len(external_id) <= 128,
            "externalId", "must be 1 to 128 characters")
