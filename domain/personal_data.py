"""The one place that says which event fields hold personal data, and whose.

Personal data is what identifies or describes a person: names, job title, contact
details, postal addresses, and free text written about a person (interaction
summaries, case descriptions and comments, reasons that may quote them). The privacy
layer encrypts exactly these fields with the data subject's own key before an event
is stored, so erasing that key erases them everywhere (crypto-shredding). Amounts,
stages, channels, ids and times stay in clear so that metrics survive erasure.

Every event class of every aggregate must appear here, in `PERSONAL_DATA` or in
`NO_PERSONAL_DATA`; `tests/unit/test_personal_data.py` fails the build otherwise.
Packages that `domain` must not import (`privacy`, `partners`) add their own event
classes with `register` when their module is imported, so this stays the one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.customers import Customer
from domain.interactions import Interaction
from domain.marketing import Campaign, CampaignMessage
from domain.orders import Purchase
from domain.sales import Lead, Opportunity, Quote
from domain.service import Case


@dataclass(frozen=True)
class PersonalFields:
    #: Event attribute holding the data subject's id: the aggregate itself
    #: ("originator_id") or the customer it is about ("customer_id").
    subject: str
    #: Event attributes that hold personal data of that subject.
    fields: tuple[str, ...]


_PROFILE = ("given_name", "family_name", "job_title", "emails", "phones", "address")

PERSONAL_DATA: dict[type, PersonalFields] = {
    # customers
    Customer.Registered: PersonalFields("originator_id", _PROFILE),
    Customer.ProfileUpdated: PersonalFields("originator_id", _PROFILE),
    Customer.StageChanged: PersonalFields("originator_id", ("reason",)),
    # interactions
    Interaction.Recorded: PersonalFields("customer_id", ("subject", "summary")),
    Interaction.Corrected: PersonalFields("customer_id", ("reason", "subject", "summary")),
    # sales
    Lead.Captured: PersonalFields("originator_id", (
        "given_name", "family_name", "job_title", "email", "phone", "company_name", "notes")),
    Lead.Qualified: PersonalFields("originator_id", ("reason",)),
    Lead.Disqualified: PersonalFields("originator_id", ("reason",)),
    Opportunity.Opened: PersonalFields("customer_id", ("name",)),
    Opportunity.Updated: PersonalFields("customer_id", ("name",)),
    Opportunity.Closed: PersonalFields("customer_id", ("reason",)),
    Quote.Rejected: PersonalFields("customer_id", ("reason",)),
    # service
    Case.Opened: PersonalFields("customer_id", ("subject", "description")),
    Case.Escalated: PersonalFields("customer_id", ("reason",)),
    Case.Commented: PersonalFields("customer_id", ("text",)),
    Case.PriorityChanged: PersonalFields("customer_id", ("reason",)),
    Case.Resolved: PersonalFields("customer_id", ("resolution",)),
    Case.Reopened: PersonalFields("customer_id", ("reason",)),
    # marketing
    # orders
    Purchase.Refunded: PersonalFields("customer_id", ("reason",)),
}

#: Event classes that carry no personal data at all.
NO_PERSONAL_DATA: set[type] = {
    Customer.OwnerAssigned,
    Customer.TagsChanged,
    Customer.ExternalIdLinked,
    Customer.Erased,
    Case.Assigned,
    Case.Closed,
    # Campaign fields describe the campaign; messages and responses carry ids only.
    Campaign.Created,
    Campaign.Launched,
    Campaign.Completed,
    Campaign.Cancelled,
    CampaignMessage.Sent,
    CampaignMessage.ResponseRecorded,
    Lead.Converted,
    Opportunity.StageChanged,
    Quote.Issued,
    Quote.Accepted,
    Quote.Expired,
    Purchase.Recorded,
}

#: Snapshotted aggregates whose state holds personal data: the snapshot's fields, and
#: whose ("originator_id": the aggregate itself; else the state key naming the customer).
PERSONAL_STATE: dict[type, PersonalFields] = {
    Customer: PersonalFields("originator_id", _PROFILE),
    Opportunity: PersonalFields("customer_id", ("name", "close_reason")),
    Case: PersonalFields("customer_id", ("subject", "description", "resolution")),
}
#: Snapshotted aggregates whose state holds no personal data.
NO_PERSONAL_STATE: set[type] = {Campaign}

#: Events that erase data subjects: each names them in `erased_subjects`.
ERASURE_EVENTS: frozenset[type] = frozenset({Customer.Erased})


def register(
    personal: dict[type, PersonalFields] | None = None, *, no_personal_data: Iterable[type] = ()
) -> None:
    """Classify another package's event classes here, each exactly once: a class that
    already has an answer (or gets both in this call) is refused and nothing changes."""
    marked = dict(personal or {})
    unmarked = set(no_personal_data)
    twice = (marked.keys() & unmarked) | ((marked.keys() | unmarked) & (
        PERSONAL_DATA.keys() | NO_PERSONAL_DATA))
    if twice:
        names = ", ".join(sorted(cls.__qualname__ for cls in twice))
        raise ValueError(f"already classified: {names}")
    PERSONAL_DATA.update(marked)
    NO_PERSONAL_DATA.update(unmarked)
