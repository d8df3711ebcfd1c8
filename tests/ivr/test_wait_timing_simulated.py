"""The wait message keeps its minute when Twilio downloads audio before playing it (issue: late waitUrl).

Twilio fetches an audio URL before its first play, so a waitUrl document may end seconds later than
planned. The simulator draws that delay between 0 and 10 s on every first play; the message must
still start within 8 s after each boundary, whether or not Twilio sends ``QueueTime`` on the
redirected waitUrl request (its pages do not say).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from agents import PresenceStatus, set_presence
from cli.simulate import Deployment
from config import HelpdeskConfig
from simulator import SimEvent
from tests.ivr.conftest import BRUSSELS, CONFIG

WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=BRUSSELS)
WAIT_TEXT = "Al onze medewerkers zijn op dit ogenblik in gesprek"
SEEDS = range(12)


def _message_starts(events: list[SimEvent]) -> list[float]:
    queued = next(event.at for event in events if event.kind == "enqueue")
    return [
        (event.at - queued).total_seconds()
        for event in events
        if event.kind == "say" and WAIT_TEXT in event.data["text"]
    ]


@pytest.mark.parametrize("queue_params", [True, False], ids=["redirect-with-queue-time", "redirect-without"])
def test_message_starts_within_8_s_of_each_boundary_despite_downloads(
    example_config: HelpdeskConfig, migrated_db_url: str, queue_params: bool
) -> None:
    desk = example_config.helpdesk("voorkempen")
    assert desk is not None
    downloads = 0
    for seed in SEEDS:
        start = WEDNESDAY_10 + timedelta(minutes=10 * seed)
        with Deployment(
            example_config,
            CONFIG,
            start,
            migrated_db_url,
            first_play_delay=(0.0, 10.0),
            seed=seed,
            wait_redirect_queue_params=queue_params,
        ) as deployment:
            sim = deployment.sim
            with deployment.runtime.session() as session:
                set_presence(session, desk.id, f"agent-{seed}", PresenceStatus.AVAILABLE, start)
            call = sim.place_call(from_="+32470123456", to=desk.numbers[0], hang_up_after=175)
            sim.run(until=start + timedelta(seconds=400))
        assert [event.detail for event in sim.errors] == []
        events = sim.calls[call.sid].events
        downloads += sum(1 for event in events if event.kind == "download")
        starts = _message_starts(events)
        assert len(starts) == 3, (seed, starts)
        for boundary, heard in zip((0, 60, 120), starts, strict=True):
            assert boundary <= heard <= boundary + 8, (seed, starts)
    assert downloads >= 2 * len(SEEDS)  # the hold music of every document was downloaded first
