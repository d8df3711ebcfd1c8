"""How the TwiML parser reads an element's text and attribute values, as strictly as Twilio does.

Every verb shares these checks (:mod:`simulator.twiml` parses the verbs): a value Twilio would
refuse, or only warn about, raises :class:`TwimlError`, so that a document Twilio would not run
as written never passes the simulator.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Literal, TypeAlias

Method: TypeAlias = Literal["GET", "POST"]

# Twilio stops a loop="0" after this many iterations (twilio-semantics §4, <Play>).
MAX_LOOPS = 1000


class TwimlError(ValueError):
    """The document is not TwiML that Twilio (as simulated) would execute."""


def required_text(element: ET.Element) -> str:
    text = (element.text or "").strip()
    if not text:
        raise TwimlError(f"<{element.tag}> needs text content")
    return text


def no_content(element: ET.Element) -> None:
    if (element.text or "").strip() or len(element):
        raise TwimlError(f"<{element.tag}> takes no content")


def method(element: ET.Element, attribute: str) -> Method:
    value = element.get(attribute, "POST").upper()
    if value == "GET":
        return "GET"
    if value == "POST":
        return "POST"
    raise TwimlError(f'<{element.tag} {attribute}="{element.get(attribute)}"> must be GET or POST')


def boolean(element: ET.Element, attribute: str, default: bool = False) -> bool:
    # Twilio answers anything but "true" or "false" with a warning (13213 for hangupOnStar);
    # the simulator is stricter and refuses the document.
    raw = element.get(attribute, "true" if default else "false")
    if raw not in ("true", "false"):
        raise TwimlError(f'<{element.tag} {attribute}="{raw}"> must be "true" or "false"')
    return raw == "true"


def positive_int(element: ET.Element, attribute: str, default: int) -> int:
    raw = element.get(attribute)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise TwimlError(f'<{element.tag} {attribute}="{raw}"> must be a positive integer')
    return value


def loop(element: ET.Element) -> int:
    raw = element.get("loop")
    if raw is None:
        return 1
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise TwimlError(f'<{element.tag} loop="{raw}"> must be 0 or a positive integer')
    return MAX_LOOPS if value == 0 else min(value, MAX_LOOPS)
