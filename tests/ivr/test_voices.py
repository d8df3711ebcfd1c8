"""Every ``<Say>`` the service can answer names its language and voice: without a voice Twilio
speaks with the account's default, and a voice that does not fit the language fails the ``<Say>``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

import pytest

from config import Voice
from ivr.failsafe import Document, fail_safe_twiml
from ivr.twiml import Renderer, agent_line_unavailable, last_resort
from service.runtime import Runtime
from tests.ivr.conftest import Line

GOLDEN = Path(__file__).parent / "golden"


def unvoiced_says(documents: Iterable[str]) -> list[str]:
    """The ``<Say>`` elements (anywhere, ``<Gather>`` included) without ``language`` and ``voice``."""
    missing = []
    for document in documents:
        if not document.lstrip().startswith("<?xml"):
            continue  # audio, or an answer that is not TwiML
        for say in ET.fromstring(document.encode()).iter("Say"):
            if not say.get("language") or not say.get("voice"):
                missing.append(ET.tostring(say, encoding="unicode"))
    return missing


def test_every_golden_document_names_the_voice() -> None:
    documents = [path.read_text(encoding="utf-8") for path in sorted(GOLDEN.glob("*.xml"))]
    assert sum(document.count("<Say ") for document in documents) > 10
    assert unvoiced_says(documents) == []


@pytest.mark.parametrize(
    "voice", [None, Voice(language="nl-BE", voice="Polly.Lotte")], ids=["default", "own"]
)
def test_the_last_resorts_name_the_voice(voice: Voice | None) -> None:
    documents = [last_resort(voice), agent_line_unavailable(voice)]
    assert unvoiced_says(documents) == []
    expected = voice or Voice()
    assert [say.get("voice") for doc in documents for say in ET.fromstring(doc).iter("Say")] == [
        expected.voice,
        expected.voice,
    ]


@pytest.mark.parametrize("document", list(Document), ids=[document.value for document in Document])
@pytest.mark.parametrize("local_time", ["2026-12-02 10:00", "2026-12-02 21:00"], ids=["day", "night"])
def test_every_fail_safe_names_the_voice(line: Line, document: Document, local_time: str) -> None:
    line.clock.set_local(local_time)
    scope = {"path": "/twilio/x", "query_string": b"helpdesk=voorkempen"}
    answers = [fail_safe_twiml(line.runtime, document, scope), fail_safe_twiml(_broken(), document, scope)]
    assert unvoiced_says(answers) == []


def _broken() -> Runtime[Renderer]:
    return object()  # type: ignore[return-value]
