"""How failures reach GraphQL clients: a message and `extensions.code`.

BAD_USER_INPUT (with `extensions.field`), UNAUTHENTICATED, FORBIDDEN, NOT_FOUND,
CONFLICT; anything unexpected is masked as INTERNAL so that no internals leak.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import strawberry
from graphql import GraphQLError
from pydantic import ValidationError
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext
from strawberry.utils.str_converters import to_camel_case

from api.graphql.execution import LeafExecutionContext
from domain.errors import DomainError, InvalidValueError

logger = logging.getLogger("crmhub.graphql")


def user_error(message: str, code: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


def from_domain(error: DomainError) -> GraphQLError:
    if isinstance(error, InvalidValueError):
        return user_error(error.message, error.code, field=error.field)
    return user_error(error.message, error.code)


def from_validation(error: ValidationError) -> GraphQLError:
    """One BAD_USER_INPUT error naming every offending field in camelCase, relative to
    the input object (`givenName`, `interactions[1].subject`), as domain errors do."""
    problems = []
    for item in error.errors():
        path = ".".join(to_camel_case(p) if isinstance(p, str) else f"[{p}]"
                        for p in item["loc"]).replace(".[", "[")
        problems.append({"field": path, "message": item["msg"]})
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return user_error(f"invalid input: {summary}", "BAD_USER_INPUT",
                      field=problems[0]["field"], problems=problems)


@contextmanager
def graphql_errors() -> Iterator[None]:
    """Translate the errors a resolver expects into GraphQL errors with codes."""
    try:
        yield
    except DomainError as error:
        raise from_domain(error) from None
    except ValidationError as error:
        raise from_validation(error) from None


def _is_unexpected(error: GraphQLError) -> bool:
    if error.original_error is None or error.path is None:
        # Syntax, validation and variable errors happen before any resolver runs:
        # they are the client's, shown as they are.
        return False
    if isinstance(error.original_error, GraphQLError):
        return False
    return not (error.extensions or {}).get("code")


class MaskInternalErrors(MaskErrors):
    """Hide unexpected exceptions behind INTERNAL; keep our own coded errors."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_unexpected,
                         error_message="internal error: the incident has been logged")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        logger.error("unexpected error in %s", error.path, exc_info=error.original_error)
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL"}
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if not (error.extensions or {}).get("code"):
                # Syntax errors, unknown fields, wrong argument types, limits exceeded.
                error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}
        return processed


class CodedSchema(strawberry.Schema):
    """A schema whose every error has a code, also the errors raised before any extension
    could process them: a syntax error or too many tokens, which the parser cache raises
    outside the operation. They have no path, and are the client's (BAD_USER_INPUT).
    Its plain leaf fields are completed the short way (`api.graphql.execution`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("execution_context_class", LeafExecutionContext)
        super().__init__(*args, **kwargs)

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if error.path is None and not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}
        super().process_errors(errors, execution_context)
