"""The data category of every field the GraphQL schema can return, in one place.

Categories are names of the consent vocabulary (`privacy/vocabulary.json`, after the
fideslang taxonomy): what a field tells about a person (`user.name`, `user.contact.email`,
`user.behavior.purchase_history`, ...) or `system.operations` for what is not about a
person (stages, counts, campaign budgets). The policy (`privacy/policy.py`) decides with
them which fields a reader may see; `tests/unit/test_data_categories.py` fails the build
when a field of the schema is missing here, or a name here is not in the schema.
"""

from __future__ import annotations

SYSTEM = "system.operations"
PERSON_ID = "user.unique_id"
NAME = "user.name"
EMAIL = "user.contact.email"
PHONE = "user.contact.phone_number"
ADDRESS = "user.contact.address"
JOB = "user.professional_information.job_title"
#: Free text written by or about a person (subjects, summaries, notes, reasons).
TEXT = "user.content"
#: What a person did with us: their contacts, on which channel, when.
CONTACTS = "user.behavior"
PURCHASES = "user.behavior.purchase_history"


def fields(category: str, names: str) -> dict[str, str]:
    return dict.fromkeys(names.split(), category)


_VERSIONED = fields(SYSTEM, "id version createdAt updatedAt")
_CONNECTION = fields(SYSTEM, "edges pageInfo")
_EDGE = fields(SYSTEM, "cursor node")
_REACH = fields(SYSTEM, "audience sent delivered opened clicked converted unsubscribed opens "
                        "clicks attributedPurchases")
_FIGURES = fields(SYSTEM, "start end prospects salesCalls proposals retainedCustomers "
                          "recurringRevenue")

#: type name -> field name -> data category, for every object type and interface.
FIELD_CATEGORIES: dict[str, dict[str, str]] = {
    # -- customers and their contacts -----------------------------------------------------
    "Customer": {
        **_VERSIONED, "id": PERSON_ID, "displayName": NAME, "givenName": NAME,
        "familyName": NAME, "jobTitle": JOB, "emails": EMAIL, "phones": PHONE,
        "address": ADDRESS, **fields(SYSTEM, "kind companyName industry website organisationId "
                                             "stage owner tags externalIds erased consents"),
    },
    "Address": fields(ADDRESS, "street city postalCode region country"),
    "ExternalId": fields(SYSTEM, "system externalId"),
    "CustomerSummary": {
        "id": PERSON_ID, "displayName": NAME, "emails": EMAIL, "lastPurchaseAt": PURCHASES,
        "lifetimeRevenue": PURCHASES,
        **fields(SYSTEM, "kind companyName organisationId stage owner tags version createdAt "
                         "updatedAt openCases openOpportunities erased"),
    },
    "CustomerRef": {"id": PERSON_ID, "displayName": NAME, **fields(SYSTEM, "stage owner")},
    "Customer360": {"id": PERSON_ID, **fields(SYSTEM, "summary profile timeline")},
    "Interaction": {
        **_VERSIONED, "customerId": PERSON_ID, "subject": TEXT, "summary": TEXT,
        **fields(CONTACTS, "channel direction department handledBy durationSeconds occurredAt"),
        **fields(SYSTEM, "caseId opportunityId campaignId orderId corrections"),
    },
    "TimelineEntry": {
        "subject": TEXT, "summary": TEXT,
        **fields(CONTACTS, "occurredAt channel direction department handledBy durationSeconds"),
        **fields(SYSTEM, "interactionId recordedAt caseId opportunityId campaignId orderId "
                         "corrected"),
    },
    # -- consent ----------------------------------------------------------------------------
    "ConsentGrant": fields(SYSTEM, "id recipient purpose categories status givenAt channel "
                                   "recordedBy noticeVersion noticeText expiresAt "
                                   "vocabularyVersion history"),
    "ConsentChange": {"reason": TEXT, **fields(SYSTEM, "kind occurredAt actor channel")},
    "ConsentRecipient": fields(SYSTEM, "kind partnerId category"),
    "ConsentTerm": fields(SYSTEM, "name description"),
    "ConsentVocabulary": fields(SYSTEM, "version purposes categories"),
    # -- partners: organisations, not persons -------------------------------------------------
    # -- the disclosure log: field names, ids and hashes; the subject is a person's id ---------
    "PartnerDisclosure": {"subjectId": PERSON_ID, **fields(
        SYSTEM, "id partnerId tokenId fields purpose grantIds responseHash disclosedAt")},
    "PartnerDisclosureConnection": _CONNECTION,
    "PartnerDisclosureEdge": _EDGE,
    "PartnerNotice": {"subjectId": PERSON_ID, **fields(
        SYSTEM, "id partnerId kind grantId at acknowledgedAt")},
    "PartnerNoticeConnection": _CONNECTION,
    "PartnerNoticeEdge": _EDGE,
    "Partner": {**_VERSIONED, **fields(SYSTEM, "name kind territories products capacity status "
                                               "statusReason")},
    # -- tokens: about systems, not persons (the token string too) ----------------------------
    "IssuedPartnerToken": fields(SYSTEM, "token jti expiresAt scopes purpose partnerId"),
    "RevokedToken": fields(SYSTEM, "jti reason revokedAt partnerId"),
    "PartnerToken": fields(SYSTEM, "jti scopes purpose issuedAt expiresAt revokedAt "
                                   "revokeReason"),
    # -- partners' deal registrations: the name and reasons are about the customer's business -
    "DealRegistration": {
        **_VERSIONED, "customerId": PERSON_ID, "leadId": PERSON_ID, "name": TEXT,
        "closeReason": TEXT, "conflictNote": TEXT,
        **fields(SYSTEM, "partnerId stage probability status amount expectedCloseDate "
                         "registeredAt closedAt conflict conflicts"),
    },
    "DealRegistrationConnection": _CONNECTION,
    "DealRegistrationEdge": _EDGE,
    "DealFigures": fields(SYSTEM, "start end registered open won lost rejected wonRevenue "
                                  "pipeline"),
    # -- lead distribution: ids, countries, products, times; the reasons are about the lead -----
    "LeadOffer": {"reason": TEXT, **fields(
        SYSTEM, "id partnerId partner method rule territory product category source status "
                "offeredAt offeredBy expiresAt answeredAt answeredBy")},
    "LeadDistribution": {"leadId": PERSON_ID, **fields(
        SYSTEM, "version status holderId territory product category offers")},
    "PartnerPerformance": fields(SYSTEM, "partnerId start end offered accepted rejected "
                                         "timedOut converted acceptanceRate "
                                         "medianResponseSeconds p90ResponseSeconds"),
    "ExpireLeadOffersPayload": fields(SYSTEM, "timedOut"),
    # -- sales --------------------------------------------------------------------------------
    "Lead": {
        **_VERSIONED, "displayName": NAME, "givenName": NAME, "familyName": NAME,
        "jobTitle": JOB, "email": EMAIL, "phone": PHONE, "notes": TEXT, "statusReason": TEXT,
        "customerId": PERSON_ID,
        **fields(SYSTEM, "source channel companyName campaignId owner status opportunityId "
                         "consents"),
    },
    "LeadConversion": fields(SYSTEM, "lead customer opportunity"),
    "Opportunity": {
        **_VERSIONED, "customerId": PERSON_ID, "name": TEXT, "closeReason": TEXT,
        **fields(SYSTEM, "stage probability amount weightedAmount expectedCloseDate owner "
                         "leadId campaignId"),
    },
    "Quote": {
        **_VERSIONED, "customerId": PERSON_ID, "rejectionReason": TEXT,
        **fields(SYSTEM, "opportunityId status lines total validUntil"),
    },
    "QuoteLine": fields(SYSTEM, "sku description quantity unitPrice discountPercent total"),
    "PipelineStage": fields(SYSTEM, "stage count amount weightedAmount"),
    "ForecastMonth": fields(SYSTEM, "month count amount weightedAmount"),
    "ForecastMonthConnection": _CONNECTION,
    "ForecastMonthEdge": _EDGE,
    "WinRate": fields(SYSTEM, "start end won lost winRate averageSalesCycleDays"),
    "SalesFigures": _FIGURES,
    "SalesMetrics": _FIGURES,
    "OwnerSalesMetrics": {**_FIGURES, "owner": SYSTEM},
    "OwnerSalesMetricsConnection": _CONNECTION,
    "OwnerSalesMetricsEdge": _EDGE,
    "LeadSourceConversion": fields(SYSTEM, "source captured qualified disqualified converted "
                                           "conversionRate"),
    # -- service --------------------------------------------------------------------------------
    "Case": {
        **_VERSIONED, "customerId": PERSON_ID, "subject": TEXT, "description": TEXT,
        "resolution": TEXT, "comments": TEXT,
        **fields(SYSTEM, "channel type priority status dueAt slaBreached assignee "
                         "escalationLevel openedAt resolvedAt closedAt"),
    },
    "CaseComment": {"text": TEXT, **fields(SYSTEM, "author internal at")},
    "QueuedCase": {
        "customerId": PERSON_ID, "customer": SYSTEM,
        **fields(SYSTEM, "id channel type priority status assignee escalationLevel openedAt "
                         "dueAt firstResolvedAt resolvedAt closedAt reopenCount version "
                         "lastActivityAt"),
    },
    "QueuedCaseConnection": _CONNECTION,
    "QueuedCaseEdge": _EDGE,
    "CaseCount": fields(SYSTEM, "key count"),
    "CaseQueueCounts": fields(SYSTEM, "byAssignee byPriority byType"),
    "ServiceMetrics": fields(SYSTEM, "start end casesOpened casesClosed closedSameDay "
                                     "serviceCalls casesResolved resolvedLate "
                                     "medianHoursToResolution p90HoursToResolution "
                                     "requestsByType requestsByChannel casesReopened reopenRate"),
    # -- marketing ------------------------------------------------------------------------------
    "Campaign": fields(SYSTEM, "id version createdAt updatedAt name channel budget startsOn "
                               "endsOn status purpose description"),
    "CampaignMessage": {
        **_VERSIONED, "customerId": PERSON_ID,
        **fields(CONTACTS, "responses convertedValue unsubscribed"),
        **fields(SYSTEM, "campaignId channel"),
    },
    "CampaignResponseCount": fields(SYSTEM, "response count"),
    "CampaignReach": _REACH,
    "CampaignReport": {**_REACH, **fields(SYSTEM, "id name channel status startsOn endsOn "
                                                  "budget costPerConversion conversionValue "
                                                  "attributedRevenue")},
    "CampaignReportConnection": _CONNECTION,
    "CampaignReportEdge": _EDGE,
    "ChannelReport": {**_REACH, **fields(SYSTEM, "channel campaigns budget costPerConversion "
                                                 "conversionValue attributedRevenue")},
    "SendCampaignMessagesPayload": fields(SYSTEM, "ids count"),
    # -- orders ---------------------------------------------------------------------------------
    "Purchase": {
        **_VERSIONED, "customerId": PERSON_ID,
        **fields(PURCHASES, "channel lines total refundedTotal purchasedAt fullyRefunded "
                            "externalOrderNumber"),
        **fields(SYSTEM, "opportunityId campaignId"),
    },
    "PurchaseLine": fields(PURCHASES, "sku productName category quantity unitPrice lineTotal "
                                      "refundedQuantity"),
    # -- the ledger (tamper evidence): positions and hashes, nothing about a person ----------------
    "LedgerVerification": fields(SYSTEM, "intact checkedFrom checkedTo headPosition headHash "
                                         "events unchained checkpoints problems"),
    "LedgerProblem": fields(SYSTEM, "position kind detail"),
    # -- history (any aggregate's events: `data` may hold any personal field) and the record
    # of auditors' reads (ids, names and the arguments of a read; subjects are persons' ids)
    "HistoryEntry": {"data": "user", **fields(
        SYSTEM, "position aggregateId aggregateType version eventType topic recordedAt "
                "occurredAt actor erased erasedFields")},
    "HistoryEntryConnection": _CONNECTION,
    "HistoryEntryEdge": _EDGE,
    "AuditRead": {"subjectIds": PERSON_ID, **fields(
        SYSTEM, "id position principal role interface operation fields at")},
    "AuditReadField": fields(SYSTEM, "name alias arguments"),
    "AuditReadConnection": _CONNECTION,
    "AuditReadEdge": _EDGE,
    # -- shared ---------------------------------------------------------------------------------
    "Money": fields(SYSTEM, "amount currency"),
    "PageInfo": fields(SYSTEM, "hasNextPage endCursor"),
    "Versioned": _VERSIONED,
    "RecordInteractionsPayload": fields(SYSTEM, "ids count"),
    "CustomerSummaryConnection": _CONNECTION,
    "CustomerSummaryEdge": _EDGE,
    "TimelineEntryConnection": _CONNECTION,
    "TimelineEntryEdge": _EDGE,
}

#: The root types: their fields are operations, not data (what they return is classified).
ROOT_TYPES = frozenset({"Query", "Mutation"})


def category(type_name: str, field_name: str) -> str:
    """The data category of one field (KeyError: unclassified, which a test forbids)."""
    return FIELD_CATEGORIES[type_name][field_name]
