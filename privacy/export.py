"""Subject access: everything the hub holds about one customer, as one JSON document.

The content comes from the event store alone. Every record is rebuilt from its own
events, decrypted by the hub's mapper, and its history is those events: so the export
shows what the log holds (a former email address stays in the profile's history), and an
erased person's personal fields come back blank, as in every replay and rebuild.

The views only find the ids of the customer's records (`FoundRecords`; privacy does not
import projections), and only after they caught up with the log position the export
reflects (`position`, the caller's to wait for). Each record's own state then says whose
it is, so a record of another customer never enters the document.

The document (keys in camelCase, times ISO-8601 UTC, money `{amount, currency}` with a
decimal string amount):

- `customerId`, `generatedAt`, `logPosition`: everything recorded up to that position is
  in the document (a record changed while the export ran may show the change too);
- `profile`: the customer, with `erased`; `lead`: the lead they were converted from, or
  null;
- `interactions`, `cases` (with `comments`), `opportunities` (with `quotes`), `purchases`
  (with `refunds`), `campaignMessages` (with `campaign` and `responses`), oldest first;
- `consents`: every grant with its status at `generatedAt` and its history (the
  customer's; `leadConsents`: the lead's, which stayed with the lead);
- `disclosures`: what was disclosed to partners of the customer or of their lead, oldest
  first: each a record (`partnerId`, `tokenId`, `subjectId`, `fields` (names only),
  `purpose`, `grants` relied on, `responseHash`, `occurredAt`, ...);
- `notices`: what partners were told of the person's withdrawals and erasure (`id`,
  `partnerId`, `subjectId`, `kind` withdrawn|erased, `grantId`, `at`, `acknowledgedAt`);
- `auditReads`: the auditors' reads that named the customer or their lead, oldest first
  (`principal`, `role`, `interface`, `operation`, `fields` with their `arguments`,
  `subjectIds`, `at`; see `privacy/audit_reads.py`), as the audit-read view found them
  (`read_by_auditors`);
- what the caller adds as `more`: `partnerDeals`, the deals partners registered for the
  customer or their lead (the api adds them: `privacy` does not import `partners`).

The disclosures and notices are found by the disclosure view (`shared_with`); each
disclosure is then rebuilt from the log, and a notice's acknowledgement read from it.

Every record has `id`, `version`, its state as the log has it now, `occurredAt` and
`recordedAt` (when its first event happened, and when it was recorded),
`lastOccurredAt` and `lastRecordedAt` (the same of its latest event), and `history`: each
event with `event` (its name), `version`, `occurredAt`, `recordedAt`, `actor` and its own
fields. `comments`, `refunds` and `responses` are those entries of the history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import project_aggregate

from domain.base import CrmAggregate
from domain.core import HubCore
from domain.customers import Customer
from domain.errors import NotFoundError
from domain.interactions import Interaction
from domain.marketing import Campaign, CampaignMessage
from domain.orders import Purchase
from domain.sales import Lead, Opportunity, Quote
from domain.service import Case
from privacy.consent import Consent, Grant
from privacy.disclosures import Disclosure, NoticeAcknowledgement

#: Fields that hold money: shown with the currency beside them, else their record's.
MONEY = frozenset({"amount", "total", "unit_price", "value", "refunded_amount",
                   "converted_value"})
#: Fields whose keys are data (system names, skus, responses), not field names.
MAPS = frozenset({"external_ids", "refunded_quantities", "response_counts"})
#: What every event carries: shown once at the head of a history entry. `customer_id`
#: is the subject of the whole document.
_EVENT_HEAD = frozenset({"originator_id", "originator_version", "originator_topic",
                         "timestamp", "occurred_at", "actor", "customer_id"})


class FoundRecords(Protocol):
    """The ids of the customer's records, as the views found them."""

    @property
    def interactions(self) -> Sequence[str]: ...
    @property
    def cases(self) -> Sequence[str]: ...
    @property
    def opportunities(self) -> Sequence[str]: ...
    @property
    def quotes(self) -> Sequence[str]: ...
    @property
    def purchases(self) -> Sequence[str]: ...
    @property
    def campaigns(self) -> Sequence[str]:
        """The campaigns that sent the customer a message."""


class FoundDisclosure(Protocol):
    @property
    def id(self) -> str: ...


class FoundNotice(Protocol):
    """A notice owed to a partner, as the disclosure view found it."""

    @property
    def id(self) -> str: ...
    @property
    def partner_id(self) -> str: ...
    @property
    def subject_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def grant_id(self) -> str | None: ...
    @property
    def at(self) -> datetime: ...


#: The disclosures of these subjects and the notices about them, as the views found them.
SharedWith = Callable[[list[UUID]], tuple[Sequence[FoundDisclosure], Sequence[FoundNotice]]]
#: The recorded auditors' reads that named these subjects, as documents, as the views found them.
ReadBy = Callable[[list[UUID]], Sequence[dict[str, Any]]]


@dataclass(frozen=True)
class _Story:
    """A record rebuilt from its events, with those events, oldest first."""

    aggregate: Any
    events: list[Any]


def subject_access_export(
    hub: HubCore, customer_id: UUID, *, found: FoundRecords, position: int,
    shared_with: SharedWith | None = None,
    read_by_auditors: ReadBy | None = None,
    more: Mapping[str, tuple[type[CrmAggregate], Sequence[str]]] | None = None,
) -> dict[str, Any]:
    """The subject-access document of the customer (`NotFoundError` for an unknown id):
    see the module's description for its shape. `more`: records of kinds this package
    does not know (a partner's deal registrations), by their key in the document, with
    the ids the views found; those of the customer or their lead are exported."""
    customer = _rebuild(hub, Customer, customer_id)
    generated_at = datetime.now(UTC)
    lead_id = customer.aggregate.lead_id
    quotes = _theirs(hub, Quote, found.quotes, customer_id)
    subjects = [customer_id, *([lead_id] if lead_id else [])]
    disclosed, notices = shared_with(subjects) if shared_with else ((), ())
    return {
        "customerId": str(customer_id),
        "generatedAt": _time(generated_at),
        "logPosition": position,
        "profile": {**_item(customer), "erased": customer.aggregate.erased},
        "lead": _item(_rebuild(hub, Lead, lead_id)) if lead_id else None,
        "interactions": [_item(story) for story in
                         _theirs(hub, Interaction, found.interactions, customer_id)],
        "cases": [_with_entries(_item(story), "comments", "Commented") for story in
                  _theirs(hub, Case, found.cases, customer_id)],
        "opportunities": [_opportunity(story, quotes) for story in
                          _theirs(hub, Opportunity, found.opportunities, customer_id)],
        "purchases": [_with_entries(_item(story), "refunds", "Refunded") for story in
                      _theirs(hub, Purchase, found.purchases, customer_id)],
        "campaignMessages": [_message(hub, story) for story in _theirs(
            hub, CampaignMessage, [str(CampaignMessage.create_id(UUID(campaign), customer_id))
                                   for campaign in found.campaigns], customer_id)],
        "consents": _consents(hub, customer_id, generated_at),
        "leadConsents": _consents(hub, lead_id, generated_at) if lead_id else [],
        "disclosures": [_item(story) for story in _disclosures(hub, disclosed, subjects)],
        "notices": [_notice(hub, notice) for notice in notices],
        "auditReads": list(read_by_auditors(subjects)) if read_by_auditors else [],
        **{key: [_item(story) for story in _of_subjects(hub, cls, ids, subjects)]
           for key, (cls, ids) in (more or {}).items()},
    }


# -- records from the log ------------------------------------------------------------------


def _rebuild(hub: HubCore, cls: type[CrmAggregate], aggregate_id: UUID) -> _Story:
    """One record and its events, read from the event store (decrypted by the mapper)."""
    events = list(hub.repository.event_store.get(originator_id=aggregate_id))
    aggregate = project_aggregate(None, events)
    if not isinstance(aggregate, cls):
        raise NotFoundError(cls.KIND, aggregate_id)
    return _Story(aggregate, events)


def _theirs(hub: HubCore, cls: type[CrmAggregate], ids: Iterable[str],
            customer_id: UUID) -> list[_Story]:
    """The records among `ids` that are the customer's, oldest first."""
    stories = [_rebuild(hub, cls, UUID(aggregate_id)) for aggregate_id in ids]
    return sorted((story for story in stories if story.aggregate.customer_id == customer_id),
                  key=lambda story: (story.aggregate.occurred_on, str(story.aggregate.id)))


def _of_subjects(hub: HubCore, cls: type[CrmAggregate], ids: Iterable[str],
                 subjects: list[UUID]) -> list[_Story]:
    """The records among `ids` of the customer or their lead, oldest first."""
    stories = [_rebuild(hub, cls, UUID(aggregate_id)) for aggregate_id in ids]
    return sorted((story for story in stories
                   if getattr(story.aggregate, "customer_id", None) in subjects
                   or getattr(story.aggregate, "lead_id", None) in subjects),
                  key=lambda story: (story.aggregate.occurred_on, str(story.aggregate.id)))


def _opportunity(story: _Story, quotes: list[_Story]) -> dict[str, Any]:
    opportunity_id = story.aggregate.id
    return {**_item(story), "quotes": [_item(quote) for quote in quotes
                                       if quote.aggregate.opportunity_id == opportunity_id]}


def _message(hub: HubCore, story: _Story) -> dict[str, Any]:
    """A campaign message, with what the campaign was and why (its purpose)."""
    campaign = _rebuild(hub, Campaign, story.aggregate.campaign_id).aggregate
    item = _item(story, currency=campaign.currency)
    return {**_with_entries(item, "responses", "ResponseRecorded"),
            "campaign": {"name": campaign.name, "purpose": campaign.purpose}}


def _disclosures(hub: HubCore, found: Sequence[FoundDisclosure],
                 subjects: list[UUID]) -> list[_Story]:
    """The disclosures found that are of these subjects, oldest first, from the log."""
    stories = [_rebuild(hub, Disclosure, UUID(entry.id)) for entry in found]
    return sorted((story for story in stories if story.aggregate.subject_id in subjects),
                  key=lambda story: (story.aggregate.occurred_on, str(story.aggregate.id)))


def _notice(hub: HubCore, notice: FoundNotice) -> dict[str, Any]:
    try:
        acknowledged: datetime | None = _rebuild(
            hub, NoticeAcknowledgement, UUID(notice.id)).aggregate.occurred_on
    except NotFoundError:
        acknowledged = None
    return {"id": notice.id, "partnerId": notice.partner_id, "subjectId": notice.subject_id,
            "kind": notice.kind, "grantId": notice.grant_id, "at": _time(notice.at),
            "acknowledgedAt": None if acknowledged is None else _time(acknowledged)}


def _consents(hub: HubCore, customer_id: UUID, at: datetime) -> list[dict[str, Any]]:
    """Every grant the customer gave, with its status at `at` and its history."""
    try:
        story = _rebuild(hub, Consent, Consent.create_id(customer_id))
    except NotFoundError:
        return []
    history = [_entry(event, None) for event in story.events]
    return [_grant(grant, at, [entry for entry in history if entry.get("grantId") == str(grant.id)])
            for grant in story.aggregate.grants]


def _grant(grant: Grant, at: datetime, history: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": str(grant.id), "status": grant.status(at).value,
        "recipient": _fields(vars(grant.recipient), None), "purpose": grant.purpose,
        "categories": list(grant.categories), "noticeVersion": grant.notice_version,
        "noticeText": grant.notice_text, "expiresAt": _json(grant.expires_at, None),
        "vocabularyVersion": grant.vocabulary_version,
        "occurredAt": _time(grant.given.occurred_at), "recordedAt": history[0]["recordedAt"],
        "history": history,
    }


# -- records as JSON --------------------------------------------------------------------------


def _item(story: _Story, currency: str | None = None) -> dict[str, Any]:
    """A record: its state now, its times, and its history. Money without a currency of
    its own is in `currency`, else in the record's."""
    aggregate = story.aggregate
    currency = currency or getattr(aggregate, "currency", None)
    state = {name: value for name, value in vars(aggregate).items() if not name.startswith("_")}
    return {
        "id": str(aggregate.id), "version": aggregate.version, **_fields(state, currency),
        "occurredAt": _time(aggregate.occurred_on), "recordedAt": _time(aggregate.created_on),
        "lastOccurredAt": _time(aggregate.last_occurred_on),
        "lastRecordedAt": _time(aggregate.modified_on),
        "history": [_entry(event, currency) for event in story.events],
    }


def _entry(event: Any, currency: str | None) -> dict[str, Any]:
    """One event of a history: what, when it happened and was recorded, who, and its fields."""
    own = {name: value for name, value in vars(event).items()
           if name not in _EVENT_HEAD and not name.startswith("_")}
    return {"event": type(event).__name__, "version": event.originator_version,
            "occurredAt": _time(event.occurred_at), "recordedAt": _time(event.timestamp),
            "actor": event.actor, **_fields(own, currency)}


def _with_entries(item: dict[str, Any], key: str, event: str) -> dict[str, Any]:
    """The record with the entries of its history of one event under their own key."""
    return {**item, key: [entry for entry in item["history"] if entry["event"] == event]}


def _fields(values: Mapping[str, Any], currency: str | None) -> dict[str, Any]:
    own_currency = values.get("currency")
    currency = own_currency if isinstance(own_currency, str) else currency
    return {_camel(name): _field(name, value, currency) for name, value in values.items()}


def _field(name: str, value: Any, currency: str | None) -> Any:
    if name in MONEY and isinstance(value, Decimal):
        return {"amount": str(value), "currency": currency}
    if name in MAPS:
        return {str(key): _json(item, currency) for key, item in value.items()}
    return _json(value, currency)


def _json(value: Any, currency: str | None) -> Any:
    """A value as JSON: ids, decimals and times as strings, records with camelCase keys."""
    if isinstance(value, datetime):
        return _time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return _fields(value, currency)
    if isinstance(value, list | tuple):
        return [_json(item, currency) for item in value]
    return value


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
