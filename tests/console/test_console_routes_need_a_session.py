"""Every route of the console, walked from the app's own route table: without a session nothing
is shown or changed except the sign-in pages and the files they need (issue 23's security line).
A new page is covered the day it is added."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from tests.console.conftest import Console

# What a browser without a session may open: the sign-in forms and their style sheet and icon.
PUBLIC = {
    ("GET", "/console"),
    ("GET", "/console/medewerker"),
    ("GET", "/console/static/console.css"),
    ("GET", "/console/static/favicon.svg"),
}
# A value for each path parameter (files that exist, so that a 404 cannot hide a missing check).
SAMPLES = {"name": "now.js", "helpdesk_id": "voorkempen", "helpdesk": "voorkempen", "code": "101"}
PARAM = re.compile(r"\{([a-z_]+)(?::[a-z]+)?\}")


def _all_routes(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """The routes, with those of every included router (FastAPI keeps an included router as one
    entry that holds the original)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _all_routes(included.routes)
        else:
            yield route


def _console_routes(app: Starlette) -> list[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in _all_routes(app.routes):
        template = getattr(route, "path", "")
        methods: set[str] = getattr(route, "methods", None) or set()
        if template.startswith("/console"):
            path = PARAM.sub(lambda match: SAMPLES.get(match.group(1), "1"), template)
            path = path.replace("/static/vendor/now.js", "/static/vendor/uPlot.iife.min.js")
            found.update((method, path) for method in methods if method != "HEAD")
    return sorted(found)


def test_nothing_without_a_session_but_the_sign_in_pages(console: Console) -> None:
    app = console.client.app
    assert isinstance(app, Starlette)
    routes = _console_routes(app)
    assert len(routes) > 20
    assert {method for method, _ in routes} == {"GET", "POST"}
    wrong: list[str] = []
    for method, path in routes:
        answer = console.client.request(method, path, follow_redirects=False)
        if (method, path) in PUBLIC:
            expected = answer.status_code == 200
        elif answer.status_code == 303:
            expected = answer.headers["location"] == "/console"
        else:
            expected = answer.status_code in {401, 403}
        if not expected:
            wrong.append(f"{method} {path}: {answer.status_code} {answer.headers.get('location', '')}")
    assert wrong == []
