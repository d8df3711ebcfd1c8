"""Planning a helpdesk from its invitations (playbook 1.2.1, 1.4.1): the response to a batch
learned from the history, the forecast of offered calls, the agents an Erlang A queue needs, and a
week's rota of shifts with staggered lunch breaks."""

from planning.erlang import AGENT_CAP, AgentsOutOfReachError, QueueLoad, agents_needed, service_level

__all__ = ["AGENT_CAP", "AgentsOutOfReachError", "QueueLoad", "agents_needed", "service_level"]
