"""Every address the platform answers: the Django URL configuration walked to its leaves, and the
JSON API's operations read from the django-ninja API object (one per method, since the GET and the
POST of one path may admit different callers). Nothing here is listed by hand, so an address added
anywhere shows up in the tests that use this module."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from absher.api.v1 import api

API_PREFIX = "/api/v1"
API_NAMESPACE = "api-v1"
_NINJA_PARAM = re.compile(r"\{(?:\w+:)?(\w+)\}")
_DJANGO_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Endpoint:
    """One address. `key` is what the rules table names: `namespace:name` for a Django view,
    `METHOD /api/v1/path/{param}` for an API operation."""

    key: str
    area: str
    route: str
    method: str
    params: tuple[str, ...]
    url_name: str = ""

    @property
    def is_api_operation(self) -> bool:
        return self.area == "api"

    def path(self, values: Mapping[str, str]) -> str:
        missing = [name for name in self.params if name not in values]
        if missing:
            raise KeyError(f"{self.key}: no value for {missing}")
        if self.is_api_operation:
            return _NINJA_PARAM.sub(lambda match: values[match.group(1)], self.route)
        if self.url_name:
            return reverse(self.url_name, kwargs={name: values[name] for name in self.params})
        route = _REGEX_GROUP.sub(lambda match: values[match.group(1)], self.route)
        route = _DJANGO_PARAM.sub(lambda match: values[match.group(1)], route)
        return "/" + route.replace("^", "").replace("$", "")


def _area(namespace: str | None, route: str) -> str:
    if namespace in ("portal", "backoffice", "sandbox_gateway"):
        return namespace
    if namespace == "admin":
        return "admin"
    if namespace == API_NAMESPACE:
        return "api-docs"
    if route.startswith("dev/"):
        return "dev"
    return "site"


def _walk(
    patterns: list[URLPattern | URLResolver],
    prefix: str = "",
    namespace: str | None = None,
    params: tuple[str, ...] = (),
) -> Iterator[tuple[str, str | None, URLPattern, tuple[str, ...]]]:
    """(route, namespace, pattern, parameter names) of every leaf; the names come from the
    compiled patterns, so regular-expression routes (Django admin's) are read too."""
    for pattern in patterns:
        names = params + tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), joined, names)
        else:
            yield prefix + str(pattern.pattern), namespace, pattern, names


def _is_api_operation(pattern: URLPattern) -> bool:
    # The API's operations are read from the API object below, one per method.
    return getattr(pattern.callback, "__module__", "") == "ninja.operation"


def django_endpoints() -> list[Endpoint]:
    endpoints = []
    for route, namespace, pattern, params in _walk(get_resolver().url_patterns):
        if _is_api_operation(pattern):
            continue
        name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name or ""
        # An unnamed pattern (Django admin's redirects) is known by its route.
        unnamed = f"{namespace}:{route}" if namespace else route
        endpoints.append(
            Endpoint(
                key=name or unnamed,
                area=_area(namespace, route),
                route=route,
                method="GET",
                params=params,
                url_name=name,
            )
        )
    return endpoints


def api_endpoints() -> list[Endpoint]:
    endpoints = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            route = f"{API_PREFIX}{prefix}{path}".rstrip("/") or API_PREFIX
            for operation in path_view.operations:
                for method in operation.methods:
                    endpoints.append(
                        Endpoint(
                            key=f"{method} {route}",
                            area="api",
                            route=route,
                            method=method,
                            params=tuple(_NINJA_PARAM.findall(route)),
                        )
                    )
    return endpoints


def all_endpoints() -> list[Endpoint]:
    return django_endpoints() + api_endpoints()
