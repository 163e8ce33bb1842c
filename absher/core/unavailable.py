"""A backing service that is down (PostgreSQL, Redis) answers 503, never 500 (الخدمة غير متاحة).

Requests fail closed while the database or the cache/counter store does not answer: the person
sees a short page (the API client the SPEC error body with code `service_unavailable`) and a
`Retry-After`, never a stack trace. The failure may surface anywhere (a view, the session or
account middleware, a template), so the 500 handlers ask `dependency_failure` whether the
exception being handled, or any exception it was raised from, is one of these."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _

from absher.core import throttle
from absher.core.errors import ApplicationError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30

MESSAGE = _("This service is temporarily unavailable. Please try again in a few minutes.")


class DependencyUnavailable(ApplicationError):
    """A backing service did not answer; the request changed nothing and may be tried again."""

    http_status = 503


def dependency_unavailable() -> DependencyUnavailable:
    return DependencyUnavailable("service_unavailable", MESSAGE)


def _dependency_errors() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = [
        OperationalError,
        InterfaceError,
        throttle.CountersUnavailable,
        ConnectionError,
    ]
    try:
        from redis import exceptions as redis_exceptions

        found += [redis_exceptions.ConnectionError, redis_exceptions.TimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency of the production profile
        pass
    try:
        from django_redis.exceptions import ConnectionInterrupted

        found.append(ConnectionInterrupted)
    except ImportError:  # pragma: no cover
        pass
    try:
        from psycopg_pool import PoolTimeout

        found.append(PoolTimeout)
    except ImportError:  # pragma: no cover
        pass
    return tuple(found)


_DEPENDENCY_ERRORS = _dependency_errors()


def dependency_failure(exc: BaseException | None) -> bool:
    """True when `exc`, or an exception in its cause/context chain, says a backing service is down
    (an ApplicationError with status 503 included)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ApplicationError):
            return exc.http_status == 503
        if isinstance(exc, _DEPENDENCY_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def log_dependency_failure(exc: BaseException, *, path: str) -> None:
    """One warning line with the failing exception's type, never its text (a connection string or
    a query could be in it)."""
    logger.warning(
        "request.dependency_unavailable",
        extra={"path": path, "error": type(exc).__name__},
    )
