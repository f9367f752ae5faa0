"""Commands for cases."""

from __future__ import annotations

from domain.core import HubCore


class ServiceCommands(HubCore):
    pass
