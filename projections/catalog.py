"""Every view the hub keeps, by name: what `serve`, `project` and `rebuild` run."""

from __future__ import annotations

from projections.audit_reads import AuditReadView
from projections.consent import ConsentView
from projections.customers import CustomerView
from projections.disclosures import DisclosureView
from projections.log_index import LogIndexView
from projections.marketing import MarketingView
from projections.prm import PrmView
from projections.prm_deals import PrmDealsView
from projections.sales import SalesView
from projections.service import ServiceView
from projections.view import View


def all_views() -> list[View]:
    """In the order a page is applied: the log index first (cheap, and all an as-of
    replay waits for), then the department views."""
    return [LogIndexView(), CustomerView(), SalesView(), ServiceView(), MarketingView(),
            ConsentView(), DisclosureView(), PrmDealsView(), PrmView(), AuditReadView()]


def views_named(names: list[str] | None) -> list[View]:
    """The views with these names (all when None); an unknown name is an error."""
    views = all_views()
    if not names:
        return views
    known = {view.name: view for view in views}
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"unknown view(s) {', '.join(unknown)}; views: {', '.join(known)}")
    return [known[name] for name in names]
