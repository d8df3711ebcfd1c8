"""Invitation letters sent per day, to compare with the calls they cause (playbook 1.4.1: "kijk
hoeveel contacten dit per dag oplevert"; 1.2.1 reckons with 1 call per 20 invitations)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from calllog.tables import Invitation
from database import dialect_insert


def set_invitations(session: Session, helpdesk_id: str, day: dt.date, count: int) -> None:
    """Record that ``count`` invitations went out for ``helpdesk_id`` on ``day``.

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
