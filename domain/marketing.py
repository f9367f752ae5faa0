"""Placeholder: being written."""

from __future__ import annotations

from domain.base import CrmAggregate


class Campaign(CrmAggregate):
    KIND = "campaign"


class CampaignMessage(CrmAggregate):
    KIND = "campaign message"
