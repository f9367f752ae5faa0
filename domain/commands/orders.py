"""Commands for purchases and refunds."""

from __future__ import annotations

from domain.core import HubCore


class OrderCommands(HubCore):
    pass
