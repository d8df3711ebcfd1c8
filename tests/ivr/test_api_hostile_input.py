"""Hostile requests to every JSON API operation the OpenAPI document lists: never a server error.

Path and query values, bodies and bearer tokens are random, the valid ones among them: whatever
arrives, the answer is a refusal (401/403), a not-found or conflict, a validation error, the
database being unavailable (503) or a success.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import event, given, settings
from hypothesis import strategies as st

from app import create_app
from database import upgrade
from tests.conftest import _new_database
from tests.ivr.conftest import BASE, OPS_TOKEN, SUPERVISOR_TOKEN, Clock, make_settings

ALLOWED = {200, 201, 204, 401, 403, 404, 409, 422, 503}
EXAMPLES_PER_OPERATION = 150
# Mostly valid tokens, so that most requests get past the authentication to the operation.
TOKENS = (OPS_TOKEN,) * 3 + (SUPERVISOR_TOKEN,) * 2 + (None, "not-a-token-0123456789", OPS_TOKEN + "x", "")
KNOWN = (
    "voorkempen",
    "kempen-zuid",
    "4711",
    "12345678",
    "2026-12-01",
    "2026-12-02",
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "available",
    "break",
    "offline",
    "csv",
    "json",
    "day",
    "hour",
    "true",
    "-1",
    "0",
    "1e308",
    "nan",
    "\x00",
)
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
# Known values twice as often as any other kind, so that many requests are valid enough to run.
scalars = st.one_of(
    st.sampled_from(KNOWN),
    st.sampled_from(KNOWN),
    texts,
    st.integers().map(str),
    st.builds(lambda char, count: char * count, st.characters(codec="utf-8"), st.integers(100, 3000)),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(KNOWN)
    | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=10,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with _new_database("sqlite", tmp_path_factory.mktemp("api-hostile")) as url:
        upgrade(url)
        app = create_app(make_settings(url), clock=Clock())
        with TestClient(app, base_url=BASE, raise_server_exceptions=False) as test_client:
            yield test_client


# The OpenAPI document needs no database: an app that never connects describes the operations.
DOCUMENT: dict[str, Any] = create_app(make_settings("sqlite://"), clock=Clock()).openapi()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, methods in DOCUMENT["paths"].items()
    if path.startswith("/api/")
    for method, operation in methods.items()
]
SCHEMAS: dict[str, Any] = DOCUMENT.get("components", {}).get("schemas", {})


def _body_keys(operation: dict[str, Any], schemas: dict[str, Any]) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    reference = content.get("schema", {}).get("$ref", "")
    schema = schemas.get(reference.rsplit("/", 1)[-1], {})
    return sorted(schema.get("properties", {}))


@st.composite
def requests(draw: st.DrawFn, method: str, path: str, operation: dict[str, Any]) -> dict[str, Any]:
    url = path
    query: list[tuple[str, str]] = []
    for parameter in operation.get("parameters", []):
        # Long, but within what an HTTP client sends in a URL (the body takes the longer values).
        value = draw(scalars)[:300]
        if parameter["in"] == "path":
            # "/" (sent as %2F) is decoded by the server into the path, and "." and ".." are dot
            # segments the client resolves (RFC 3986 5.2.4): either way the request reaches
            # another route, which rightly answers 405. Not a hostile value.
            segment = quote(value.replace("/", "x"), safe="") or "x"
            url = url.replace("{" + parameter["name"] + "}", "x" if segment in (".", "..") else segment)
        elif parameter["in"] == "query" and draw(st.sampled_from((True, True, True, False))):
            query.append((parameter["name"], value))
    query += draw(st.lists(st.tuples(texts, scalars.map(lambda text: text[:300])), max_size=2))
    body: Any = None
    if "requestBody" in operation or draw(st.booleans()):
        keys = _body_keys(operation, SCHEMAS)
        body = draw(
            st.one_of(
                json_values,
                st.fixed_dictionaries({key: st.one_of(json_values, scalars) for key in keys}),
            )
        )
    token = draw(st.sampled_from(TOKENS))
    return {
        "method": method,
        "url": url + (f"?{urlencode(query)}" if query else ""),
        "json": body,
        "headers": {"Authorization": f"Bearer {token}"} if token is not None else {},
    }


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{method} {path}" for method, path, _ in OPERATIONS]
)
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None)
@given(data=st.data())
def test_no_api_operation_fails_on_hostile_input(
    client: TestClient, method: str, path: str, operation: dict[str, Any], data: st.DataObject
) -> None:
    request = data.draw(requests(method, path, operation))
    if request["json"] is None:
        response = client.request(request["method"], request["url"], headers=request["headers"])
    else:
        response = client.request(
            request["method"], request["url"], json=request["json"], headers=request["headers"]
        )
    event(f"status {response.status_code}")
    assert response.status_code in ALLOWED, response.text


def test_every_api_operation_is_walked() -> None:
    assert len(OPERATIONS) >= 10
    assert all(path.startswith("/api/") for _method, path, _operation in OPERATIONS)
