"""Commands for campaigns, their messages and responses."""

from __future__ import annotations

from domain.core import HubCore


class MarketingCommands(HubCore):
    pass
