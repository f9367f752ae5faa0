"""Commands for the disclosure log: record what a partner read, acknowledge a notice.

A mixin of `domain.core.HubCore`, composed into `api.store.CrmHub`. The partner API calls
`record_disclosures` once per request, with one record per subject it returned data of:
they are saved in one commit, so a request's disclosures are logged together or not at
all. Which notices exist is the view's to say (`projections/disclosures.py`, derived from
the log); the api layer checks that a notice is the partner's before acknowledging it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from domain.core import HubCore, command, parse_id
from domain.errors import InvalidTransitionError
from privacy.disclosures import Disclosure, DisclosureRecord, NoticeAcknowledgement, disclosures_of


class DisclosureCommands(HubCore):
    @command
    def record_disclosures(self, *, actor: str, records: Sequence[DisclosureRecord],
                           occurred_at: datetime | None = None) -> list[UUID]:
        """Log every disclosure of one request in one commit; return their ids in order.
        Nothing is recorded if a record is malformed (`InvalidValueError` naming it)."""
        disclosures = disclosures_of(records)
        if disclosures:
            self.commit(*disclosures)
        return [disclosure.id for disclosure in disclosures]

    @command
    def acknowledge_notice(self, *, actor: str, partner_id: UUID | str, notice_id: UUID | str,
                           occurred_at: datetime | None = None) -> int:
        """Record that the partner acknowledged a notice; twice is `InvalidTransitionError`.
        The caller has checked the notice is the partner's."""
        partner = parse_id(partner_id, "partnerId")
        notice = parse_id(notice_id, "noticeId")
        if self.exists(NoticeAcknowledgement, notice):
            raise InvalidTransitionError(f"notice {notice} is already acknowledged")
        return self.commit(NoticeAcknowledgement(id=notice, partner_id=partner))

    def disclosure(self, disclosure_id: UUID | str) -> Disclosure:
        """One disclosure as the log holds it, or `NotFoundError`."""
        return self.load(Disclosure, parse_id(disclosure_id, "disclosureId"))

    def notice_acknowledgement(self, notice_id: UUID | str) -> NoticeAcknowledgement | None:
        """The notice's acknowledgement, or None while it is not acknowledged."""
        notice = parse_id(notice_id, "noticeId")
        return self.load(NoticeAcknowledgement, notice) if self.exists(
            NoticeAcknowledgement, notice) else None
