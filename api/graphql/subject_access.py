"""Subject access in the internal schema: `subjectAccessExport` (admins only).

The export is a document, not a graph: one `JSON` value, built by `privacy.export` from
the log. The views only find the ids of the customer's records, so the export waits for
them to show the log up to the position it reflects, and refuses when they lag further.
"""

from __future__ import annotations

from functools import partial

import strawberry
from anyio import to_thread
from strawberry.scalars import JSON

from api.graphql.auth import requires
from api.graphql.context import Context, Info, caught_up, read
from api.graphql.errors import graphql_errors, user_error
from api.permissions import Action
from api.privacy import partner_records
from domain.core import parse_id
from privacy.export import subject_access_export
from projections import audit_reads as audit_read_view
from projections import customer_queries as queries
from projections import disclosures as disclosure_view
from projections.runner import view_positions

DESCRIPTION = """\
Everything the hub holds about one customer, read from the log: one JSON document (subject \
access). Keys are camelCase, times ISO-8601 UTC, money `{amount, currency}` with a decimal \
string amount.

- `customerId`, `generatedAt`, and `logPosition`: everything recorded up to that log \
position is in the document.
- `profile`: the customer, with `erased` (true once erased: then every personal field in the \
document is blank); `lead`: the lead they were converted from, or null.
- `interactions`, `cases` (with `comments`), `opportunities` (with `quotes`), `purchases` \
(with `refunds`), `campaignMessages` (with `campaign {name purpose}` and `responses`), \
oldest first.
- `consents`: every grant, with its `status` at `generatedAt` and its `history`; \
`leadConsents`: the grants the lead gave (they stayed with the lead).
- `disclosures`: what was disclosed to partners of the customer or their lead, oldest first: \
`partnerId`, `tokenId`, `subjectId`, `fields` (names), `purpose`, `grants` relied on, \
`responseHash` (SHA-256 of the values returned), `occurredAt`.
- `notices`: what partners were told of withdrawals and the erasure: `id`, `partnerId`, \
`subjectId`, `kind` (withdrawn, erased), `grantId`, `at`, `acknowledgedAt`.
- `auditReads`: the auditors' reads that named the customer or their lead, oldest first: \
`principal`, `role`, `interface` (graphql, cli), `operation`, `fields` (each `name`, `alias`, \
`arguments`), `subjectIds`, `at`.
- `partnerDeals`: the deals partners registered for the customer or their lead, with \
their history.

Every record has `id`, `version`, its state as the log has it now, `occurredAt` and \
`recordedAt` (when its first event happened, and when it was recorded), `lastOccurredAt`, \
`lastRecordedAt`, and `history`: every event, oldest first, with `event` (its name), \
`version`, `occurredAt`, `recordedAt`, `actor` and its own fields.

A malformed customerId is BAD_USER_INPUT, an unknown one NOT_FOUND; CONFLICT when the views \
lag the log too far to find every record (retry)."""


async def _views_show(context: Context, position: int) -> None:
    """Wait (bounded) until the views show the log up to `position`; refuse if they still
    lag, since the ids they find would leave records out of the export."""
    await caught_up(context, position)
    reached = min((await to_thread.run_sync(view_positions, context.views)).values(), default=0)
    if reached < position:
        raise user_error(f"the views are at log position {reached}, behind {position}: the "
                         "export would miss records; retry in a moment", "CONFLICT")


@strawberry.type
class SubjectAccessQuery:
    @strawberry.field(extensions=requires(Action.PRIVACY_EXPORT), description=DESCRIPTION)
    async def subject_access_export(self, info: Info, customer_id: strawberry.ID) -> JSON:
        context = info.context
        with graphql_errors():
            customer = parse_id(customer_id, "customerId")
        position = await to_thread.run_sync(context.hub.position)
        await _views_show(context, position)
        found = await to_thread.run_sync(queries.customer_record_ids, context.views, str(customer))
        more = await to_thread.run_sync(partner_records, context.views, customer)
        return await read(info, subject_access_export, context.hub, customer, found=found,
                          position=position,
                          shared_with=partial(disclosure_view.subject_disclosures, context.views),
                          read_by_auditors=partial(audit_read_view.subject_reads, context.views),
                          more=more)
