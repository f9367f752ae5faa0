"""Auditors' replays: the customer 360 and the department views as they were at an instant.

Each answer is computed by replaying the log as it stood at `at` (`projections.as_of`)
into a scratch database, and read with the same query functions and GraphQL types as
today's views: `customerAsOf` has the shape of `customer360` (its profile and consents
as of then too), `salesPipelineAsOf` of `salesPipeline`, `serviceQueueAsOf` of
`caseQueue` (a queued case's customer from the directory as it was then). `at` in the
future, or without a time zone, is BAD_USER_INPUT; before a customer existed, NOT_FOUND;
before the log's first event, the pipeline and the queue are empty. A replay needs only
the log index to be current: it waits for that view alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.graphql.auth import requires
from api.graphql.consent import ConsentGrant
from api.graphql.context import Info, caught_up, read
from api.graphql.customers import Customer
from api.graphql.directory import Customer360, CustomerSummary
from api.graphql.loaders import CustomerRef
from api.graphql.pagination import Connection, connection
from api.graphql.sales_dashboard import PipelineStage
from api.graphql.service_dashboard import QueuedCase
from api.graphql.service_types import CasePriority, CaseType
from api.permissions import Action
from api.store import CrmHub
from privacy.consent import Consent
from projections import as_of, sales_queries, service_queries
from projections.customer_queries import customer_names
from projections.customers import CustomerView
from projections.log_index import LogIndexView
from projections.pages import Page
from projections.sales import SalesView
from projections.service import ServiceView


async def _log_indexed(info: Info) -> None:
    """Let the in-process runner (or the workers) bring the log index up to the log as it
    is now: a replay needs only that view (and would catch it up itself otherwise)."""
    position = await read(info, info.context.hub.position)
    await caught_up(info.context, position, views=[LogIndexView.name])


AT = "The instant (UTC, ISO-8601 with its zone), not in the future."


def _consents_then(hub: CrmHub, replayed: as_of.CustomerAsOf) -> list[ConsentGrant]:
    consent_id = Consent.create_id(replayed.profile.id)
    version = replayed.versions.get(str(consent_id))
    if version is None:
        return []
    consent = hub.repository.get(consent_id, version=version)
    return [ConsentGrant.of(grant, replayed.at) for grant in consent.grants]


@strawberry.type
class AsOfQuery:
    @strawberry.field(extensions=requires(Action.AUDIT_READ), description=(
        "The customer 360 exactly as it was at `at`, replayed from the log (not today's "
        f"views). {AT}"))
    async def customer_as_of(self, info: Info, id: strawberry.ID, at: datetime,
                             ) -> Customer360 | None:
        hub = info.context.hub

        def replay() -> tuple[as_of.CustomerAsOf, list[ConsentGrant]]:
            replayed = as_of.customer_as_of(hub, info.context.views, id, at=at)
            return replayed, _consents_then(hub, replayed)

        await _log_indexed(info)
        replayed, consents = await read(info, replay)
        profile = Customer.of(replayed.profile)
        profile.as_of_consents = consents
        return Customer360(id=strawberry.ID(replayed.summary.id),
                           summary=CustomerSummary.of(replayed.summary),
                           views=replayed.views, as_of_profile=profile)

    @strawberry.field(extensions=requires(Action.AUDIT_READ), description=(
        "The open opportunities per stage and currency as they stood at `at`, replayed "
        f"from the log. {AT}"))
    async def sales_pipeline_as_of(self, info: Info, at: datetime, owner: str | None = None,
                                   ) -> list[PipelineStage]:
        def replay() -> list[sales_queries.StageTotal]:
            scratch = as_of.views_as_of(info.context.hub, info.context.views, [SalesView()],
                                        at=at)
            try:
                return sales_queries.pipeline(scratch, owner=owner)
            finally:
                scratch.close()

        await _log_indexed(info)
        return [PipelineStage.of(stage) for stage in await read(info, replay)]

    @strawberry.field(extensions=requires(Action.AUDIT_READ), description=(
        "The cases being worked on at `at`, oldest due first, replayed from the log; the "
        f"filters and pages of `caseQueue`. {AT}"))
    async def service_queue_as_of(
        self, info: Info, at: datetime, assignee: str | None = None, unassigned: bool = False,
        priority: CasePriority | None = None,
        case_type: Annotated[CaseType | None, strawberry.argument(name="type")] = None,
        first: int = 50, after: str | None = None,
    ) -> Connection[QueuedCase]:
        arguments = {"assignee": assignee, "unassigned": unassigned,
                     "priority": priority and priority.value,
                     "case_type": case_type and case_type.value, "first": first, "after": after}

        def replay() -> tuple[Page[service_queries.ServiceCase], dict[str, CustomerRef]]:
            empty = as_of.ScratchViews([ServiceView()])
            try:  # bad filters or cursors fail before the replay, as they do today
                service_queries.open_cases(empty, **arguments)  # type: ignore[arg-type]
            finally:
                empty.close()
            scratch = as_of.views_as_of(info.context.hub, info.context.views,
                                        [ServiceView(), CustomerView()], at=at)
            try:
                page = service_queries.open_cases(scratch, **arguments)  # type: ignore[arg-type]
                names = customer_names(scratch, [case.customer_id for _, case in page.items])
            finally:
                scratch.close()
            return page, {key: CustomerRef.of(name) for key, name in names.items()}

        await _log_indexed(info)
        page, directory = await read(info, replay)

        def node(case: service_queries.ServiceCase) -> QueuedCase:
            queued = QueuedCase.of(case)
            queued.directory = directory
            return queued

        return connection(page, node)
