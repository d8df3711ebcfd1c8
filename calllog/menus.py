"""The KPIs of a shared number's menu (playbook 1.2.1): calls that reached it and what they chose.

A call that chose a helpdesk is ``offered`` to that helpdesk (its KPIs in ``calllog.kpis``); the
menu's own events (``menu_offered``, ``menu_choice``) are logged under ``menu:<number>`` and
counted here, by the local date of the event, from the partial index ``ix_call_events_menu``.

- ``menu_offered``: calls that reached the menu.
- ``choices``: per choice key, the calls that took it (by key, by word or as the default);
  ``by_how``: the same calls by how the choice was made (``dtmf``, ``speech``, ``default``).
- ``no_choice``: calls that reached the menu and made none (they hung up during it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from calllog.events import local_midnight
from calllog.tables import CallEvent

MENU_HOWS = ("dtmf", "speech", "default")


@dataclass(frozen=True)
class MenuKpis:
    menu_offered: int
    choices: Mapping[str, int]
    by_how: Mapping[str, int]
    no_choice: int


def menu_summary(
    session: Session, menu_id: str, keys: Sequence[str], first: dt.date, last: dt.date, zone: dt.tzinfo
) -> MenuKpis:
    """The KPIs of the menu logged as ``menu_id`` for local dates ``first`` to ``last`` in ``zone``.

    ``keys`` are the menu's choice keys: each is counted, 0 when not chosen.
    """
    if first > last:
        raise ValueError(f"the period starts ({first}) after it ends ({last})")
    start = local_midnight(first, zone).astimezone(dt.UTC)
    end = local_midnight(last + dt.timedelta(days=1), zone).astimezone(dt.UTC)
    # The kinds as literal SQL, so that the database sees the partial index's own condition.
    kinds = CallEvent.kind.in_([literal_column("'menu_offered'"), literal_column("'menu_choice'")])
    query = (
        select(CallEvent.kind, CallEvent.data, func.count())
        .where(kinds, CallEvent.helpdesk_id == menu_id, CallEvent.at >= start, CallEvent.at < end)
        .group_by(CallEvent.kind, CallEvent.data)
    )
    offered = 0
    choices = dict.fromkeys(keys, 0)
    by_how = dict.fromkeys(MENU_HOWS, 0)
    for kind, data, count in session.execute(query):
        if kind == "menu_offered":
            offered += int(count)
            continue
        chosen = json.loads(data)
        key, how = str(chosen.get("key")), str(chosen.get("how"))
        choices[key] = choices.get(key, 0) + int(count)
        by_how[how] = by_how.get(how, 0) + int(count)
    return MenuKpis(
        menu_offered=offered,
        choices=choices,
        by_how=by_how,
        no_choice=max(0, offered - sum(choices.values())),
    )
