"""Commands for leads, opportunities and quotes."""

from __future__ import annotations

from domain.core import HubCore


class SalesCommands(HubCore):
    pass
