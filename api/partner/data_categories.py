"""The data category of every field the partner schema can return, in one place.

Same format and vocabulary as `api/graphql/data_categories.py` (whose names it reuses);
`tests/unit/test_partner_data_categories.py` fails the build when a field of the partner
schema is missing here, or a name here is not in it.

A customer's fields are read through the consent policy with these categories: a field
about the person (`user...`) reaches a partner only under a live grant covering its
category; a field that is not (`system.operations`) whenever some live grant makes the
customer exist for the partner at all. The customer's `id` is such a field: it is the id
the partner asked by, echoed back, and tells nothing the answer's presence does not.
A person's employer (`companyName`) is professional information about them; the stage
(lead, prospect, customer, churned) says what they bought from us.
"""

from __future__ import annotations

from api.graphql.data_categories import (
    ADDRESS,
    EMAIL,
    JOB,
    NAME,
    PHONE,
    PURCHASES,
    SYSTEM,
    TEXT,
    fields,
)

WORKPLACE = "user.professional_information"

#: type name -> field name -> data category, for every object type of the partner schema.
PARTNER_FIELD_CATEGORIES: dict[str, dict[str, str]] = {
    # -- customers, as far as consent lets the partner see them -------------------------
    "PartnerCustomer": {
        "id": SYSTEM, "displayName": NAME, "givenName": NAME, "familyName": NAME,
        "companyName": WORKPLACE, "jobTitle": JOB, "emails": EMAIL, "phones": PHONE,
        "address": ADDRESS, "stage": PURCHASES,
    },
    "CustomerAddress": fields(ADDRESS, "street city postalCode region country"),
    # -- notices of withdrawals and erasures: the subject's id is one the partner received
    # with the data (as `PartnerCustomer.id`); the notice exists whatever consent says now.
    "WithdrawalNotice": fields(SYSTEM, "id subjectId kind grantId at acknowledgedAt"),
    "WithdrawalNoticeConnection": fields(SYSTEM, "edges pageInfo"),
    "WithdrawalNoticeEdge": fields(SYSTEM, "cursor node"),
    "PageInfo": fields(SYSTEM, "hasNextPage endCursor"),
    # -- the partner's own deals: the customer or lead by the id it registered with; the
    # name and reasons are about the customer's business (the partner wrote the name).
    "PartnerDeal": {
        "customerId": SYSTEM, "leadId": SYSTEM, "name": TEXT, "closeReason": TEXT,
        **fields(SYSTEM, "id version stage probability status amount expectedCloseDate "
                         "registeredAt closedAt conflict"),
    },
    "PartnerDealConnection": fields(SYSTEM, "edges pageInfo"),
    "PartnerDealEdge": fields(SYSTEM, "cursor node"),
    "PartnerDealFigures": fields(SYSTEM, "start end registered open won lost rejected "
                                         "wonRevenue pipeline"),
    "FeedbackReceipt": fields(SYSTEM, "id caseId"),
    "Money": fields(SYSTEM, "amount currency"),
    # -- leads offered to the partner: what a lead is about is not about the person; who
    # the person is comes only for a lead the partner accepted, under the lead's consent.
    "PartnerLead": fields(SYSTEM, "offerId leadId status territory product category source "
                                  "offeredAt expiresAt answeredAt outcome contact"),
    "PartnerLeadConnection": fields(SYSTEM, "edges pageInfo"),
    "PartnerLeadEdge": fields(SYSTEM, "cursor node"),
    "LeadContact": {"givenName": NAME, "familyName": NAME, "email": EMAIL, "phone": PHONE,
                    "companyName": WORKPLACE, "jobTitle": JOB},
    "PartnerLeadFigures": fields(SYSTEM, "start end offered accepted rejected timedOut "
                                         "converted acceptanceRate medianResponseSeconds "
                                         "p90ResponseSeconds"),
    # -- the partner itself: an organisation, not a person -------------------------------
    "PartnerIdentity": fields(SYSTEM, "id name kind status scopes purpose tokenId "
                                      "tokenExpiresAt"),
}

#: The root types: their fields are operations, not data (what they return is classified).
ROOT_TYPES = frozenset({"Query", "Mutation"})


def category(type_name: str, field_name: str) -> str:
    """The data category of one field (KeyError: unclassified, which a test forbids)."""
    return PARTNER_FIELD_CATEGORIES[type_name][field_name]
