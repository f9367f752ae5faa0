"""`GET /metrics` for Prometheus: requests and latencies, the log, each view's lag and
whether it is stopped."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from projections.failures import view_failures
from projections.runner import view_positions


class StoreCollector(Collector):
    """Read at scrape time: the log position, and each view's position, lag and failure."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        state = self.app.state
        if not hasattr(state, "hub"):
            return
        head = state.hub.position()
        yield GaugeMetricFamily("crmhub_log_position", "Id of the newest event in the log.",
                                value=head)
        position = GaugeMetricFamily("crmhub_view_position", "Log position a view has applied.",
                                     labels=["view"])
        lag = GaugeMetricFamily("crmhub_view_lag_events", "Events a view is behind the log.",
                                labels=["view"])
        stopped = GaugeMetricFamily(
            "crmhub_view_stopped", "1 while a view is stopped at an event it failed to apply.",
            labels=["view"])
        failures = view_failures(state.views)
        for name, at in view_positions(state.views).items():
            position.add_metric([name], at)
            lag.add_metric([name], head - at)
            stopped.add_metric([name], 1 if name in failures else 0)
        yield position
        yield lag
        yield stopped


def install(app: FastAPI) -> None:
    registry = CollectorRegistry()
    requests = Counter("crmhub_http_requests", "HTTP requests.", ["method", "path", "status"],
                       registry=registry)
    latency = Histogram("crmhub_http_request_seconds", "HTTP request latency.", ["path"],
                        registry=registry)
    registry.register(StoreCollector(app))

    @app.middleware("http")
    async def measure(request: Request,
                      call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        # Label by route (bounded), never by raw URL; a mounted router's route path is
        # empty, so its URL path stands in (it has just one).
        path = (getattr(route, "path", None) or request.url.path) if route else "unmatched"
        latency.labels(path).observe(time.perf_counter() - started)
        requests.labels(request.method, path, str(response.status_code)).inc()
        return response

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
