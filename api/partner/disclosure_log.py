"""Every disclosure of customer data to a partner is logged before the partner gets it.

Resolvers that return a data subject's fields add what they return to the request's
`DisclosureLog` (`disclosed(info, ...)`). When the operation has run, and before its
result leaves, `RecordDisclosures` records one disclosure per subject, with the union of
the fields the request returned of them (two aliases of one customer make one record),
the grants relied on and the hash of the values, in one `record_disclosures` commit.
If that fails, the whole response is replaced by an INTERNAL error: no data leaves
unrecorded.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from uuid import UUID

from anyio import to_thread
from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from api.partner.context import PartnerContext, PartnerInfo, principal
from api.tokens import Principal
from privacy.disclosures import DisclosureRecord, response_hash

logger = logging.getLogger("crmhub.partner")

NOT_RECORDED = "the disclosure could not be recorded, so nothing was returned: try again"


@dataclass
class SubjectDisclosure:
    """What one request returned of one data subject."""

    #: The names of the fields returned, dotted below the top (`address.city`); recorded
    #: sorted (resolvers of one request run concurrently, in no fixed order).
    names: dict[str, None] = field(default_factory=dict)
    #: The values as returned (objects as dicts): what the response hash is of.
    values: dict[str, Any] = field(default_factory=dict)
    grants: dict[UUID, None] = field(default_factory=dict)


@dataclass
class DisclosureLog:
    """What one request disclosed, per subject, in the order first returned."""

    subjects: dict[UUID, SubjectDisclosure] = field(default_factory=dict)

    def add(self, subject_id: UUID, names: Sequence[str], values: Mapping[str, Any],
            grants: Sequence[UUID]) -> None:
        entry = self.subjects.setdefault(subject_id, SubjectDisclosure())
        entry.names.update(dict.fromkeys(names))
        _merge(entry.values, values)
        entry.grants.update(dict.fromkeys(grants))

    def records(self, caller: Principal) -> list[DisclosureRecord]:
        assert caller.partner_id is not None and caller.purpose is not None
        return [
            DisclosureRecord(
                partner_id=caller.partner_id, token_id=caller.token_id, subject_id=subject,
                fields=tuple(sorted(entry.names)), purpose=caller.purpose,
                grants=tuple(entry.grants), response_hash=response_hash(entry.values))
            for subject, entry in self.subjects.items() if entry.names
        ]


def _merge(into: dict[str, Any], values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if isinstance(value, Mapping) and isinstance(into.get(name), dict):
            _merge(into[name], value)
        else:
            into[name] = dict(value) if isinstance(value, Mapping) else value


def disclosed(info: PartnerInfo, subject_id: UUID, *, names: Sequence[str],
              values: Mapping[str, Any], grants: Sequence[UUID]) -> None:
    """Note that this response returns the fields `names` (dotted below the top level)
    of a subject, with `values` as returned, relying on `grants`: logged before the
    response leaves."""
    principal(info)  # only a partner's request discloses
    context = info.context
    if context.disclosures is None:
        context.disclosures = DisclosureLog()
    context.disclosures.add(subject_id, names, values, grants)


class RecordDisclosures(SchemaExtension):
    """Records the request's disclosures after execution, before the response leaves."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, PartnerContext) or context.disclosures is None:
            return
        log, caller = context.disclosures, context.principal
        assert caller is not None
        try:
            records = log.records(caller)
            if records:
                await to_thread.run_sync(partial(
                    context.hub.record_disclosures, actor=caller.id, records=records))
        except Exception:
            logger.exception("disclosures of %s not recorded: response withheld", caller.id)
            self._withhold()

    def _withhold(self) -> None:
        result = self.execution_context.result
        error = GraphQLError(NOT_RECORDED, extensions={"code": "INTERNAL"})
        if isinstance(result, ExecutionResult):
            result.data = None
            result.errors = [error]
        else:  # pragma: no cover - the partner schema has no incremental delivery
            raise error
