"""Tamper evidence in the internal schema: `verifyLedger` (admins and auditors)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from api.graphql.auth import requires
from api.graphql.context import Info, read
from api.graphql.errors import user_error
from api.ledger import public_keys
from api.permissions import Action
from projections import ledger_verify
from projections.ledger_verify import Report, verify_database


@strawberry.enum(description="What is wrong at a position of the log.")
class LedgerProblemKind(Enum):
    STATE_CHANGED = ledger_verify.STATE_CHANGED
    REORDERED = ledger_verify.REORDERED
    ROW_MISSING = ledger_verify.ROW_MISSING
    ROW_INSERTED = ledger_verify.ROW_INSERTED
    CHAIN_ALTERED = ledger_verify.CHAIN_ALTERED
    CHECKPOINT_INVALID = ledger_verify.CHECKPOINT_INVALID
    CHECKPOINT_MISMATCH = ledger_verify.CHECKPOINT_MISMATCH


@strawberry.type(description="One broken position of the log, and what is wrong there.")
class LedgerProblem:
    position: int
    kind: LedgerProblemKind
    detail: str


@strawberry.type(description="The result of recomputing the ledger's hashes over a range.")
class LedgerVerification:
    intact: bool
    checked_from: int
    checked_to: int
    head_position: int = strawberry.field(
        description="The last chained position checked.")
    head_hash: str = strawberry.field(
        description="The chain hash at headPosition, recomputed from the stored rows (hex).")
    events: int = strawberry.field(description="Stored events checked.")
    unchained: int = strawberry.field(
        description="Stored events after the chain's head: not chained yet, not checked.")
    checkpoints: int = strawberry.field(description="Signed checkpoints verified in the range.")
    problems: list[LedgerProblem]

    @classmethod
    def of(cls, report: Report) -> LedgerVerification:
        return cls(intact=report.intact, checked_from=report.checked_from,
                   checked_to=report.checked_to, head_position=report.head_position,
                   head_hash=report.head_hash, events=report.events, unchained=report.unchained,
                   checkpoints=report.checkpoints,
                   problems=[LedgerProblem(position=p.position, kind=LedgerProblemKind(p.kind),
                                           detail=p.detail) for p in report.problems])


@strawberry.type
class LedgerQuery:
    @strawberry.field(
        extensions=requires(Action.AUDIT_READ),
        description="Recompute every event hash and the chain over log positions `from` to "
                    "`to` (default: the whole log) from the stored rows, and compare them with "
                    "the chain table and the signed checkpoints. `intact` is false when any "
                    "position is broken; `problems` lists each. BAD_USER_INPUT when `to` is "
                    "before `from`.")
    async def verify_ledger(
        self, info: Info,
        first: Annotated[int | None, strawberry.argument(name="from")] = None,
        last: Annotated[int | None, strawberry.argument(name="to")] = None,
    ) -> LedgerVerification:
        if first is not None and last is not None and last < first:
            raise user_error("`to` must not be before `from`", "BAD_USER_INPUT")
        context = info.context
        assert context.tokens is not None, "the app puts its token service in the context"
        report = await read(info, verify_database, context.hub, context.views,
                            public_keys=public_keys(context.tokens), first=first, last=last)
        return LedgerVerification.of(report)
