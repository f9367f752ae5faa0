"""The GraphQL part of the projections benchmark: each dashboard query's latency, in-process."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from api.tokens import TokenService
from domain.hub import Hub
from domain.interactions import InteractionDraft

#: Shared with `bench.projections`, which imports it from here.
ACTOR = "bench:projections"
REQUESTS, REQUESTS_WARMUP = 200, 20


MONEY = "{ amount currency }"
CASE = "edges { node { id customerId channel type priority status assignee dueAt } } pageInfo { hasNextPage }"
PERIOD = "$start: DateTime!, $end: DateTime!"
FIGURES = f"prospects salesCalls proposals retainedCustomers recurringRevenue {MONEY}"
#: label -> (root field, query); `$id`, `$start`, `$end`, `$since`, `$until` are supplied.
QUERIES: dict[str, tuple[str, str]] = {
    "customer360, 200-entry timeline": ("customer360", (
        "query ($id: ID!) { customer360(id: $id) { summary { displayName stage openCases"
        f" openOpportunities lastPurchaseAt lifetimeRevenue {MONEY} }} profile {{ displayName"
        " emails phones } timeline(first: 200) { edges { cursor node { interactionId occurredAt"
        " channel direction department subject summary handledBy caseId opportunityId campaignId"
        " orderId corrected } } pageInfo { hasNextPage endCursor } } } }")),
    'customers(search: "a", first: 20)': ("customers", (
        '{ customers(search: "a", first: 20) { edges { cursor node { id displayName companyName'
        f" stage owner tags emails openCases lifetimeRevenue {MONEY} }} }}"
        " pageInfo { hasNextPage } } }")),
    "salesPipeline": ("salesPipeline", (
        f"{{ salesPipeline {{ stage count amount {MONEY} weightedAmount {MONEY} }} }}")),
    "salesForecast": ("salesForecast", (
        f"{{ salesForecast {{ edges {{ node {{ month count amount {MONEY} weightedAmount {MONEY}"
        " } } } }")),
    "winRate, a year": ("winRate", (
        f"query ({PERIOD}) {{ winRate(start: $start, end: $end) {{ won lost winRate"
        " averageSalesCycleDays } }")),
    "salesMetrics, a year": ("salesMetrics", (
        f"query ({PERIOD}) {{ salesMetrics(start: $start, end: $end) {{ {FIGURES} }} }}")),
    "salesMetricsByOwner, a year": ("salesMetricsByOwner", (
        f"query ({PERIOD}) {{ salesMetricsByOwner(start: $start, end: $end) {{ edges {{ node {{"
        f" owner {FIGURES} }} }} }} }}")),
    "leadConversion": ("leadConversion", (
        "{ leadConversion { source captured qualified disqualified converted conversionRate } }")),
    "caseQueue(first: 50)": ("caseQueue", f"{{ caseQueue(first: 50) {{ {CASE} }} }}"),
    "caseQueueCounts": ("caseQueueCounts", (
        "{ caseQueueCounts { byAssignee { key count } byPriority { key count } byType { key count } } }")),
    "slaBreaches(first: 50)": ("slaBreaches", f"{{ slaBreaches(first: 50) {{ {CASE} }} }}"),
    "casesAtRisk(first: 50)": ("casesAtRisk", f"{{ casesAtRisk(first: 50) {{ {CASE} }} }}"),
    "serviceMetrics, a year": ("serviceMetrics", (
        f"query ({PERIOD}) {{ serviceMetrics(start: $start, end: $end) {{ casesOpened casesClosed"
        " closedSameDay serviceCalls casesResolved resolvedLate medianHoursToResolution"
        " p90HoursToResolution requestsByType { key count } requestsByChannel { key count }"
        " casesReopened reopenRate } }")),
    "campaignReports(first: 20)": ("campaignReports", (
        "{ campaignReports(first: 20) { edges { node { id name channel status audience sent"
        f" delivered opened clicked converted unsubscribed costPerConversion {MONEY}"
        f" conversionValue {MONEY} attributedRevenue {MONEY} }} }} }} }}")),
    "channelReports, a year": ("channelReports", (
        "query ($since: Date!, $until: Date!) { channelReports(since: $since, until: $until) {"
        f" channel campaigns audience sent converted costPerConversion {MONEY}"
        f" attributedRevenue {MONEY} }} }}")),
}


def graphql_latencies(hub: Hub, url: str) -> tuple[dict[str, list[float]], list[str]]:
    """Each query's latencies in seconds, and the labels the schema has no field for."""
    with tempfile.TemporaryDirectory(prefix="crmhub-bench-") as data_dir:
        settings = Settings(database_url=url, data_dir=Path(data_dir))
        token = TokenService(settings).issue(subject="bench-admin", role="admin", ttl=3600)
        app = create_app(settings, hub=hub, server=True)
        with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
            def ask(query: str, variables: dict[str, str] | None = None) -> dict[str, Any]:
                body = client.post("/graphql", json={"query": query, "variables": variables or {}})
                if body.status_code != 200 or body.json().get("errors"):
                    raise RuntimeError(f"GraphQL request failed ({body.status_code}): {body.text}")
                return body.json()["data"]

            fields = {f["name"] for f in ask("{ __schema { queryType { fields { name } } } }")
                      ["__schema"]["queryType"]["fields"]}
            customer_id = ask("{ customers(first: 1) { edges { node { id } } } }")[
                "customers"]["edges"][0]["node"]["id"]
            hub.record_interactions(actor=ACTOR, drafts=[InteractionDraft(
                customer_id=UUID(customer_id), channel="phone", direction="inbound", department="service",
                subject=f"Bench call {i}", summary="Asked about the delivery date.",
                handled_by="agent:7", duration_seconds=180) for i in range(200)])
            app.state.runner.wait_for(hub.last_commit_position(), timeout=10)
            end = datetime.now(UTC)
            start = end - timedelta(days=365)
            variables = {"id": customer_id, "start": start.isoformat(), "end": end.isoformat(),
                         "since": start.date().isoformat(), "until": end.date().isoformat()}
            results, skipped = {}, []
            for label, (field, query) in QUERIES.items():
                if field not in fields:
                    skipped.append(label)
                    continue
                used = {k: v for k, v in variables.items() if f"${k}" in query}
                for _ in range(REQUESTS_WARMUP):
                    ask(query, used)
                latencies = []
                for _ in range(REQUESTS):
                    started = perf_counter()
                    ask(query, used)
                    latencies.append(perf_counter() - started)
                results[label] = latencies
    return results, skipped
