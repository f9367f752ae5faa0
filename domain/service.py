"""Placeholder: being written."""

from __future__ import annotations

from domain.base import CrmAggregate


class Case(CrmAggregate):
    KIND = "case"
