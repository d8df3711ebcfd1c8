"""Invitation letters sent per day, to compare with the calls they cause (playbook 1.4.1: "kijk
hoeveel contacten dit per dag oplevert"; 1.2.1 reckons with 1 call per 20 invitations).

A date may lie in the future: that is a planned batch, which the forecast counts like one sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from calllog.tables import Invitation
from database import dialect_insert


@dataclass(frozen=True)
class InvitationDay:
    """The invitations of one helpdesk on one date, sent or planned."""

    helpdesk_id: str
    date: dt.date
    count: int


def set_invitations(session: Session, helpdesk_id: str, day: dt.date, count: int) -> None:
    """Record that ``count`` invitations went out (or will go out) for ``helpdesk_id`` on ``day``.

    Giving the same day again replaces its count (a correction), it does not add to it.
    """
    if count < 0:
        raise ValueError("the number of invitations cannot be negative")
    insert = dialect_insert(session, Invitation).values(helpdesk_id=helpdesk_id, date=day, count=count)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[Invitation.helpdesk_id, Invitation.date], set_={"count": insert.excluded.count}
        )
    )


def list_invitations(
    session: Session, helpdesk_id: str | None, first: dt.date, last: dt.date
) -> list[InvitationDay]:
    """The batches of ``helpdesk_id`` (``None``: every helpdesk) dated ``first`` to ``last``, by date
    then helpdesk."""
    query = select(Invitation.helpdesk_id, Invitation.date, Invitation.count).where(
        Invitation.date.between(first, last)
    )
    if helpdesk_id is not None:
        query = query.where(Invitation.helpdesk_id == helpdesk_id)
    rows = session.execute(query.order_by(Invitation.date, Invitation.helpdesk_id))
    return [InvitationDay(helpdesk_id=desk, date=day, count=count) for desk, day, count in rows]
