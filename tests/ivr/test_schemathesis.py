"""Requests generated from the JSON API's own OpenAPI document: no server error, answers as documented.

Schemathesis reads ``/openapi.json`` from the app in process and derives valid and invalid requests
for every ``/api/`` operation, sent with the ops token so that they reach the operation. Each
answer with a documented status code must have a body of its documented schema; refusals the
document does not list (401, 403, 404, 409, 503) are only held to "not a server error".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app import create_app
from database import upgrade
from tests.ivr.conftest import OPS_TOKEN, Clock, make_settings

# The operation's type parameters say which specification it comes from; OpenAPI is the only one here.
ApiCase = schemathesis.Case[Any]
# Enough for the boundary values and a few random ones per operation, in seconds for the file.
EXAMPLES_PER_OPERATION = 25
AUTHORIZED = {"Authorization": f"Bearer {OPS_TOKEN}"}


@pytest.fixture
def api_schema(tmp_path: Path) -> schemathesis.BaseSchema:
    url = f"sqlite:///{tmp_path / 'ivr.sqlite3'}"
    upgrade(url)
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(make_settings(url), clock=Clock()))


schema = schemathesis.pytest.from_fixture("api_schema").include(path_regex="^/api/")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    # The same requests every run: a failure found once is found again, never by luck.
    derandomize=True,
)
def test_api_answers_as_documented(case: ApiCase) -> None:
    case.call_and_validate(headers=AUTHORIZED, checks=[not_a_server_error, response_schema_conformance])
