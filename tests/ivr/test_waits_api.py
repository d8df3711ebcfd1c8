"""``GET /api/metrics/waits``: the distribution of waits, for supervisors and ops."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict

import pytest
from fastapi.testclient import TestClient

from app import create_app
from tests.calllog.test_calllog_kpis import build_calls
from tests.calllog.test_calllog_waits import VOORKEMPEN
from tests.ivr.conftest import BASE, OPS_TOKEN, SUPERVISOR_TOKEN, Clock, make_settings

PERIOD = {"helpdesk": "voorkempen", "from": "2026-12-01", "to": "2026-12-02"}


@pytest.fixture
def client(migrated_db_url: str) -> Iterator[TestClient]:
    app = create_app(make_settings(migrated_db_url), clock=Clock())
    with TestClient(app, base_url=BASE) as test_client:
        with app.state.runtime.session() as session:
            build_calls(session)
        yield test_client


def _get(client: TestClient, token: str | None, **params: str) -> tuple[int, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get("/api/metrics/waits", params=params, headers=headers)
    return response.status_code, response.json()


@pytest.mark.parametrize("token", [SUPERVISOR_TOKEN, OPS_TOKEN], ids=["supervisor", "ops"])
def test_the_bands_of_a_helpdesk(client: TestClient, token: str) -> None:
    assert _get(client, token, **PERIOD) == (
        200,
        {**PERIOD, "bands": [asdict(band) for band in VOORKEMPEN]},
    )


def test_all_helpdesks_when_none_is_named(client: TestClient) -> None:
    status, body = _get(client, SUPERVISOR_TOKEN, **{"from": "2026-12-01", "to": "2026-12-02"})
    assert status == 200
    assert isinstance(body, dict)
    assert body["helpdesk"] is None
    assert [band["calls"] for band in body["bands"]] == [8, 2, 4, 4, 4, 1]


@pytest.mark.parametrize(
    ("token", "params", "expected"),
    [
        pytest.param(None, PERIOD, (401, {"detail": "missing or invalid token"}), id="no-token"),
        pytest.param(
            SUPERVISOR_TOKEN,
            {**PERIOD, "helpdesk": "nergens"},
            (404, {"detail": "unknown helpdesk 'nergens'"}),
            id="unknown-helpdesk",
        ),
        pytest.param(
            SUPERVISOR_TOKEN,
            {**PERIOD, "from": "2026-12-03"},
            (422, {"detail": "from (2026-12-03) is after to (2026-12-02)"}),
            id="reversed",
        ),
    ],
)
def test_refusals(client: TestClient, token: str | None, params: dict[str, str], expected: object) -> None:
    assert _get(client, token, **params) == expected
