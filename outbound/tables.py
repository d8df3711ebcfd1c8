"""The tables of calls to citizens (playbook 1.5): the call lists ops import (``call_lists``), the
people on them in their given order (``call_list_entries``), every call placed from the agent line
(``outbound_attempts``) and the numbers that must never be called again (``do_not_call``).

Numbers are personal data: an entry keeps its number in clear only while its list is open and for
the retention period after it closes (then ``number`` is erased), and everywhere else only as the
keyed hash of the call log (``calllog.privacy.caller_hash``) and its masked form.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database import Base, UtcDateTime


class Purpose(enum.StrEnum):
    """Why a list is called (playbook 1.5)."""

    RESERVE = "reserve"  # fill a last-minute free slot, in the reserve list's order
    RESCHEDULE = "reschedule"  # an appointment must move because of a problem at the centre
    VOLUNTEERS = "volunteers"  # replace someone absent


class EntryState(enum.StrEnum):
    """Where one person on a list stands."""

    PENDING = "pending"  # still to be called (again)
    CLAIMED = "claimed"  # an agent has them: being called, or the agent is keying the answer
    DONE = "done"  # the list is finished with them: see the outcome


class Outcome(enum.StrEnum):
    """How a call to one person ended: keyed by the agent after a conversation, or automatic."""

    ACCEPTED = "accepted"  # key 1
    KEPT = "kept"  # key 2: not now, but keep me on the list
    DO_NOT_CALL = "do_not_call"  # key 3: never call me again
    WRONG_NUMBER = "wrong_number"  # key 4
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    VOICEMAIL = "voicemail"  # a machine answered: hung up before the agent was put through


UNREACHED: frozenset[Outcome] = frozenset(
    {Outcome.NO_ANSWER, Outcome.BUSY, Outcome.FAILED, Outcome.VOICEMAIL}
)
"""The automatic outcomes: the person was not reached (``retry-unreached`` calls them again)."""

MISSED: frozenset[Outcome] = frozenset({Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL})
"""The unanswered calls after which a citizen who rings back is returning our call."""


FILLED = "filled"
"""``CallList.closed_reason`` of a list closed by the acceptance of its last slot (the agent line)."""

CLOSED = "closed"
"""``CallList.closed_reason`` of a list closed by ops."""


class CallList(Base):
    """One list of people to call for a helpdesk, in order; closed by ops, or by itself once
    ``slots`` people accepted."""

    __tablename__ = "call_lists"
    __table_args__ = (Index("ix_call_lists_helpdesk_id_closed_at", "helpdesk_id", "closed_at"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    helpdesk_id: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(12))
    # Spoken to the agent before each call ("reservelijst dinsdag 14 uur").
    label: Mapped[str] = mapped_column(String(80))
    # How many acceptances fill the list; None: called until everyone had their turn.
    slots: Mapped[int | None] = mapped_column(Integer())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # filled (the last slot was accepted) or closed (by ops).
    closed_reason: Mapped[str | None] = mapped_column(String(12))
    # When the retention job erased the numbers in clear (retention_days after closing).
    erased_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class CallListEntry(Base):
    """One person on a list, at ``position`` (1 = called first)."""

    __tablename__ = "call_list_entries"
    __table_args__ = (
        UniqueConstraint("list_id", "position"),
        UniqueConstraint("list_id", "number_hash"),
        # The next person to call: a list's pending entries in order.
        Index("ix_call_list_entries_list_id_state_position", "list_id", "state", "position"),
    )

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("call_lists.id"))
    position: Mapped[int] = mapped_column(Integer())
    # E.164 in clear; None once erased (see the module's docstring).
    number: Mapped[str | None] = mapped_column(String(32))
    number_hash: Mapped[str] = mapped_column(String(64))
    masked: Mapped[str] = mapped_column(String(32))
    # Ops' own short reference (an appointment or file number), never a name.
    reference: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(8))
    # The latest outcome (an Outcome); None before the first call ended.
    outcome: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer())
    # The agent calling them and the agent's own phone call, while claimed.
    claimed_by: Mapped[str | None] = mapped_column(String(8))
    claimed_call_sid: Mapped[str | None] = mapped_column(String(34), index=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class OutboundAttempt(Base):
    """One call placed to a person from the agent line, and how it ended."""

    __tablename__ = "outbound_attempts"
    __table_args__ = (
        # A citizen ringing back: that number's recent unanswered calls from this helpdesk.
        Index("ix_outbound_attempts_number_hash_started_at", "number_hash", "started_at"),
        Index("ix_outbound_attempts_helpdesk_id_started_at", "helpdesk_id", "started_at"),
        Index("ix_outbound_attempts_list_id", "list_id"),
    )

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("call_list_entries.id"))
    list_id: Mapped[int] = mapped_column(Integer())
    helpdesk_id: Mapped[str] = mapped_column(String(40))
    agent: Mapped[str] = mapped_column(String(8))
    # The agent's own call, from which the person's leg is dialled.
    agent_call_sid: Mapped[str] = mapped_column(String(34))
    number_hash: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # Twilio's DialCallSid: the person's leg.
    dial_call_sid: Mapped[str | None] = mapped_column(String(34))
    # Twilio's AnsweredBy (answering-machine detection on the <Number>).
    answered_by: Mapped[str | None] = mapped_column(String(24))
    # An Outcome: automatic, or keyed by the agent after the conversation.
    outcome: Mapped[str | None] = mapped_column(String(16))
    # Seconds the agent talked with the person (DialCallDuration of a bridged leg).
    talk_s: Mapped[int | None] = mapped_column(Integer())


class DoNotCall(Base):
    """A number that asked never to be called again: only its keyed hash, kept beyond retention."""

    __tablename__ = "do_not_call"

    number_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    helpdesk_id: Mapped[str] = mapped_column(String(40))
