"""When the last agent of a helpdesk goes while callers wait, send those callers to central.

PRODUCT.md: "If the last agent logs out while callers wait: those callers leave to central (if
open) within 5 s — use the Twilio REST API to redirect them, not the next waitUrl tick." Each
waiting caller is claimed in the database first, so a caller is redirected at most once even
when several instances notice the same logout.
"""

from __future__ import annotations

import logging

from calls import claim_for_redirect, line_state
from ivr.twilio_rest import rest_budget
from ivr.twiml import Renderer
from service.runtime import Runtime

log = logging.getLogger("ivr.redirects")
REASON = "no_agents"
# The callers must be with central within 5 s of the last agent leaving: the REST requests,
# retries after a 429 included, get 4 of them.
REDIRECT_BUDGET_S = 4.0


def redirect_if_unstaffed(rt: Runtime[Renderer], helpdesk_id: str) -> list[str]:
    """Redirect the waiting callers of an unstaffed helpdesk to central; returns their CallSids."""
    desk = rt.config.helpdesk(helpdesk_id)
    now = rt.clock()
    if desk is None or not rt.config.central_schedule().is_open(now):
        return []
    # A caller whose answer is still in the write-behind is not waiting any more.
    rt.flush()
    with rt.session() as session:
        line = line_state(session, helpdesk_id)
        if line.agents_logged_in > 0 or line.callers_waiting == 0:
            return []
        if rt.twilio is None:
            log.error(
                "no REST access to Twilio: waiting callers leave at their next waitUrl request",
                extra={"helpdesk": helpdesk_id, "waiting": line.callers_waiting},
            )
            return []
        claimed = claim_for_redirect(session, helpdesk_id, now)
    url = rt.renderer.url("/twilio/forward", helpdesk=helpdesk_id, reason=REASON)
    with rest_budget(REDIRECT_BUDGET_S):
        for call_sid in claimed:
            try:
                rt.twilio.calls(call_sid).update(url=url, method="POST")
            except Exception:
                # The caller still leaves at the next waitUrl request (routing's safety net).
                log.exception(
                    "redirect to central failed", extra={"helpdesk": helpdesk_id, "call_sid": call_sid}
                )
    log.info("waiting callers sent to central", extra={"helpdesk": helpdesk_id, "count": len(claimed)})
    return claimed
