"""Reports refuse dates at the calendar's ends (their local midnights have no UTC instant)."""

from __future__ import annotations

import pytest
import schemathesis

from tests.ivr.conftest import SUPERVISOR_TOKEN, Line


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01&to=0001-01-01&step=15m",
        "from=0001-01-01&to=0002-01-01",
        "from=9999-12-31&to=9999-12-31",
        "from=1999-12-31&to=2000-01-01&step=day",
    ],
    ids=["year-1-quarters", "year-1-hours", "year-9999", "day-before-the-first"],
)
def test_series_refuses_dates_out_of_range(line: Line, query: str) -> None:
    response = line.client.get(
        f"/api/metrics/series?{query}", headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"}
    )
    document = schemathesis.openapi.from_dict(line.client.get("/openapi.json").json())
    assert (response.status_code, response.json()) == (
        422,
        {"detail": "dates must lie between 2000-01-01 and 2999-12-31"},
    )
    assert document["/api/metrics/series"]["GET"].is_valid_response(response)
