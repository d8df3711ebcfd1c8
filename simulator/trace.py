"""The trace of a run, summed up per dialled leg for tests (:class:`simulator.DialledLeg`).

Everything here is read from what the run recorded: the dialling call's ``dial`` and
``dial-result`` events, the leg's own events (:mod:`simulator.legs`) and the documents the
application returned for the leg. Nothing is kept aside, so a summary cannot disagree with the
events a test could also read one by one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from simulator.records import DialledLeg, SimCall, SimEvent, WebhookRequest


def dialled_legs(
    events: Sequence[SimEvent],
    calls: Mapping[str, SimCall],
    webhooks: Sequence[WebhookRequest],
    call_sid: str | None = None,
) -> list[DialledLeg]:
    """Every number dialled (by ``call_sid`` only, if given), in the order the ``<Dial>`` started."""
    results = {
        event.data["DialCallSid"]: event.data["DialCallStatus"]
        for event in events
        if event.kind == "dial-result" and "DialCallSid" in event.data
    }
    legs = []
    for event in events:
        if event.kind != "dial" or "Number" not in event.data:
            continue
        if call_sid is not None and event.call_sid != call_sid:
            continue
        leg = calls[event.data["DialCallSid"]]
        if leg.ended_at is None:  # still going
            continue
        legs.append(_summary(event, leg, results.get(leg.sid, ""), webhooks))
    return legs


def _summary(
    dial: SimEvent, leg: SimCall, dial_call_status: str, webhooks: Sequence[WebhookRequest]
) -> DialledLeg:
    rings = [event for event in leg.events if event.kind == "ring"]
    [end] = [event for event in leg.events if event.kind == "leg-end"]
    served = tuple(
        name
        for request in webhooks
        if request.call_sid == leg.sid and 200 <= request.status_code < 300
        for name in _element_names(request.body)
    )
    return DialledLeg(
        sid=leg.sid,
        parent_sid=dial.call_sid,
        number=dial.data["Number"],
        caller_id=dial.data["CallerId"],
        timeout=int(dial.data["Timeout"]),
        machine_detection=dial.data["MachineDetection"] or None,
        rings=len(rings),
        rings_within_timeout=sum(event.data["Buffer"] == "false" for event in rings),
        answered_by=leg.answered_by,
        served=served,
        ran=tuple(event.data["Verb"] for event in leg.events if event.kind == "leg-verb"),
        bridged=end.data["Bridged"] == "true",
        talk_seconds=int(end.data["TalkSeconds"]),
        status=end.data["CallStatus"],
        dial_call_status=dial_call_status,
    )


def _element_names(body: str) -> list[str]:
    """The verbs and nouns of a TwiML document (a document that is not XML names none)."""
    try:
        root = ET.fromstring(body)  # noqa: S314 - the XML comes from the application under test
    except ET.ParseError:
        return []
    return [element.tag for element in root.iter() if element is not root]
