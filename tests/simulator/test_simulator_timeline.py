"""format_timeline: what operators read after a simulated call."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from simulator import DestinationBehaviour, TwilioSimulator, format_timeline
from tests.simulator.conftest import START, TwimlApp, at, wav_bytes

BRUSSELS = ZoneInfo("Europe/Brussels")
CALLER = "CA" + "1" * 32
AGENT = "CA" + "2" * 32


def overflow_scenario(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.media["/media/muziek.wav"] = wav_bytes(12.5)
    app.routes["/twilio/voice"] = (
        '<Say language="nl-BE">Welkom bij de helpdesk.</Say>'
        '<Enqueue waitUrl="/wait" action="/after">Brecht</Enqueue>'
    )
    app.routes["/wait"] = lambda params: (
        "<Leave/>"
        if int(params["QueueTime"]) >= 30
        else '<Say language="nl-BE">Even geduld.</Say><Play>/media/muziek.wav</Play>'
    )
    app.routes["/after"] = '<Dial action="/central" callerId="+32470000001">+3227138700</Dial>'
    app.routes["/central"] = "<Say>Onze lijnen zijn bezet.</Say><Hangup/>"
    sim.set_destination("+3227138700", DestinationBehaviour(outcome="busy", ring_seconds=4))
    sim.place_call(from_="+32470000001", to="+3233100100", call_sid=CALLER)
    sim.run()


def test_one_call_reads_as_what_the_caller_hears_and_where_it_goes(
    app: TwimlApp, sim: TwilioSimulator
) -> None:
    overflow_scenario(app, sim)

    assert format_timeline(sim.events, zone=BRUSSELS) == "\n".join(
        [
            "10:00:00  +0s    call    +32470000001 → +3233100100",
            "10:00:00  +0s    hears   «Welkom bij de helpdesk.»",
            "10:00:02  +2s    queue   enters «Brecht» at position 1",
            "10:00:02  +2s    hears   «Even geduld.»",
            "10:00:03  +3s    hears   /media/muziek.wav (12.5 s)",
            "10:00:15  +15s   hears   «Even geduld.»",
            "10:00:16  +16s   hears   /media/muziek.wav (12.5 s)",
            "10:00:29  +29s   hears   «Even geduld.»",
            "10:00:30  +30s   hears   /media/muziek.wav (12.5 s)",
            "10:00:42  +42s   queue   leaves «Brecht» after 40 s: <Leave/>",
            "10:00:42  +42s   queue   QueueResult=leave QueueTime=40",
            "10:00:42  +42s   dials   +3227138700 (callerId +32470000001, timeout 30 s)",
            "10:00:46  +46s   dials   busy",
            "10:00:46  +46s   hears   «Onze lijnen zijn bezet.»",
            "10:00:48  +48s   hangup  <Hangup/>",
            "10:00:48  +48s   ends    completed after 48 s",
        ]
    )


def test_verbose_adds_the_http_traffic(app: TwimlApp, sim: TwilioSimulator) -> None:
    overflow_scenario(app, sim)

    verbose = format_timeline(sim.events, zone=BRUSSELS, verbose=True).splitlines()

    assert [line for line in verbose if "webhook" in line or "waiturl" in line or "status" in line][:4] == [
        "10:00:00  +0s    webhook POST /twilio/voice → 200",
        "10:00:02  +2s    waiturl QueueTime=0 QueuePosition=1 CurrentQueueSize=1",
        "10:00:02  +2s    webhook POST /wait → 200",
        "10:00:15  +15s   waiturl QueueTime=13 QueuePosition=1 CurrentQueueSize=1",
    ]
    assert verbose[-1] == "10:00:48  +48s   status  completed #0 → 204"
    assert len(verbose) == 16 + 12


def test_several_calls_are_numbered_in_order_of_appearance(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Enqueue>Brecht</Enqueue>"
    app.routes["/agent"] = "<Dial><Queue>Brecht</Queue></Dial>"
    sim.place_call(from_="+32470000001", to="+3233100100", call_sid=CALLER, talk_seconds=10)
    sim.place_call(from_="+32490000001", to="+3233100199", path="/agent", at=at(5), call_sid=AGENT)
    sim.run()

    assert format_timeline(sim.events, zone=BRUSSELS, start=START) == "\n".join(
        [
            "10:00:00  +0s    #1  call    +32470000001 → +3233100100",
            "10:00:00  +0s    #1  queue   enters «Brecht» at position 1",
            "10:00:05  +5s    #2  call    +32490000001 → +3233100199",
            "10:00:05  +5s    #2  dials   queue «Brecht» (timeout 30 s)",
            f"10:00:05  +5s    #1  queue   leaves «Brecht» after 5 s: taken by {AGENT}",
            f"10:00:05  +5s    #2  queue   takes {CALLER} from «Brecht» (waited 5 s)",
            f"10:00:05  +5s    #1  talks   talks with {AGENT} (+32490000001)",
            f"10:00:05  +5s    #2  talks   talks with {CALLER} (+32470000001)",
            "10:00:15  +15s   #1  talks   conversation ended after 10 s",
            "10:00:15  +15s   #2  talks   conversation ended after 10 s",
            "10:00:15  +15s   #1  queue   QueueResult=bridged QueueTime=5",
            "10:00:15  +15s   #1  ends    completed after 15 s",
            "10:00:15  +15s   #2  dials   completed, talked 10 s",
            "10:00:15  +15s   #2  ends    completed after 10 s",
        ]
    )


def test_application_errors_are_shown(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = "<Say>Hallo</Say><Redirect>/missing</Redirect>"
    sim.place_call(from_="+32470000001", to="+3233100100", at=at(60))
    sim.run()

    assert format_timeline(sim.events, zone=BRUSSELS, start=START).splitlines()[-3:] == [
        "10:01:01  +61s   routed  <Redirect> to /missing",
        "10:01:01  +61s   ERROR   POST /missing answered HTTP 404",
        "10:01:01  +61s   ends    completed after 1 s",
    ]


def test_a_wait_document_twilio_refuses_is_shown(app: TwimlApp, sim: TwilioSimulator) -> None:
    app.routes["/twilio/voice"] = '<Enqueue waitUrl="/wait" action="/after">support</Enqueue>'
    app.routes["/wait"] = "<Dial>+3227138700</Dial>"
    app.routes["/after"] = "<Hangup/>"
    sim.place_call(from_="+32470000001", to="+3233100100", at=at(60))
    sim.run()

    shown = format_timeline(sim.events, zone=BRUSSELS, start=START).splitlines()
    assert "10:01:00  +60s   ERROR   POST /wait: <Dial> is not allowed in a waitUrl document" in shown


def test_nothing_to_show(sim: TwilioSimulator) -> None:
    assert format_timeline(sim.events, zone=BRUSSELS) == ""
