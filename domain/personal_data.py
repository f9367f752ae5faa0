"""The one place that says which event fields hold personal data, and whose.

Personal data is what identifies or describes a person: names, job title, contact
details, postal addresses, and free text written about a person (interaction
summaries, case descriptions and comments, reasons that may quote them). The privacy
layer encrypts exactly these fields with the data subject's own key before an event
is stored, so erasing that key erases them everywhere (crypto-shredding). Amounts,
stages, channels, ids and times stay in clear so that metrics survive erasure.

Every event class of every aggregate must appear here, in `PERSONAL_DATA` or in
`NO_PERSONAL_DATA`; `tests/unit/test_personal_data.py` fails the build otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.customers import Customer
from domain.interactions import Interaction
from domain.orders import Purchase


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
    # service
    # marketing
    # orders
    Purchase.Refunded: PersonalFields("customer_id", ("reason",)),
}

#: Event classes that carry no personal data at all.
NO_PERSONAL_DATA: frozenset[type] = frozenset({
    Customer.OwnerAssigned,
    Customer.TagsChanged,
    Customer.ExternalIdLinked,
    Purchase.Recorded,
})
