"""Placeholder: being written."""

from __future__ import annotations

from domain.base import CrmAggregate


class Lead(CrmAggregate):
    KIND = "lead"


class Opportunity(CrmAggregate):
    KIND = "opportunity"


class Quote(CrmAggregate):
    KIND = "quote"
