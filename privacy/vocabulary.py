"""The controlled vocabulary of consent: purposes (data uses) and data categories.

Names are the dotted names of the open fideslang taxonomy, extended with crmhub's own
children where it has none (`third_party_sharing.partner.lead_referral`). They live as
data in `vocabulary.json`, with a version that every consent event records, so a grant
can always be read against the words it was given in. The `fideslang` package itself is
not a dependency: it pins an older pydantic, and the names are all we need of it.

Names form a hierarchy by their dots: a broader name covers its narrower names
(`marketing` covers `marketing.communications.email`), never the reverse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from domain.errors import InvalidValueError


@dataclass(frozen=True)
class Term:
    name: str
    description: str


@dataclass(frozen=True)
class ConsentVocabulary:
    version: str
    purposes: tuple[Term, ...]
    categories: tuple[Term, ...]

    def purpose(self, name: str, field: str) -> str:
        """`name` if it is a purpose (data use) of this vocabulary, else `InvalidValueError`."""
        return self._known(name, self.purposes, field, "purpose (data use)")

    def category(self, name: str, field: str) -> str:
        """`name` if it is a data category of this vocabulary, else `InvalidValueError`."""
        return self._known(name, self.categories, field, "data category")

    def _known(self, name: str, terms: tuple[Term, ...], field: str, kind: str) -> str:
        if not any(term.name == name for term in terms):
            raise InvalidValueError(
                field, f"{name!r} is not a {kind} of consent vocabulary {self.version}")
        return name


def covers(broader: str, narrower: str) -> bool:
    """Whether `broader` is `narrower` or one of its ancestors in the hierarchy."""
    return narrower == broader or narrower.startswith(broader + ".")


@cache
def vocabulary() -> ConsentVocabulary:
    """The vocabulary shipped with this version of crmhub (read once per process)."""
    data = json.loads(files("privacy").joinpath("vocabulary.json").read_text("utf-8"))
    return ConsentVocabulary(
        version=data["version"],
        purposes=tuple(Term(**term) for term in data["purposes"]),
        categories=tuple(Term(**term) for term in data["categories"]),
    )

