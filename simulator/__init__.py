"""An offline Twilio Programmable Voice, driving the application over HTTP only.

Calls, queues and agents run on a simulated clock; the application sees signed, form-encoded
webhooks and answers with TwiML, exactly as it would with Twilio (see the project's Twilio
reference, twilio-semantics §§1–7). Used by the test-suite and by ``ivr simulate``::

    sim = TwilioSimulator(TestClient(app), public_base_url=..., auth_token=..., start=...)
    sim.place_call(from_="+32470000001", to="+3233100100", hang_up_after=300)
    sim.run()
    print(format_timeline(sim.events, zone=ZoneInfo("Europe/Brussels")))
"""

from simulator.engine import TwilioSimulator
from simulator.records import (
    CallBack,
    DestinationBehaviour,
    DialledLeg,
    RecordingView,
    RestRequest,
    Said,
    SimCall,
    SimEvent,
    Speech,
    WebhookRequest,
)
from simulator.timeline import format_timeline
from simulator.transport import AppClient

__all__ = [
    "AppClient",
    "CallBack",
    "DestinationBehaviour",
    "DialledLeg",
    "RecordingView",
    "RestRequest",
    "Said",
    "SimCall",
    "SimEvent",
    "Speech",
    "TwilioSimulator",
    "WebhookRequest",
    "format_timeline",
]
