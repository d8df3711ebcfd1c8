"""The agents a helpdesk queue needs: the Erlang A model (Palm's queue with abandonment).

The playbook (1.2.1) asks for "a strict planning of the agents"; the issue asks for the agents
that answer ``staffing.target_service_level`` of the offered calls within the helpdesk's
``queue.service_level_s``. Callers hang up when they wait too long, so the model is Erlang A,
M/M/n+M: Poisson arrivals at rate λ, exponential handle times with mean 1/μ (talk time plus
wrap-up), n agents, first come first served, and an exponential patience with mean 1/θ after which
a waiting caller abandons. Without a patience (``patience_s=None``) it is Erlang C, M/M/n.

**Service level** is the share of offered calls (arrivals) answered after a wait of at most t
seconds; a caller who abandons counts as not answered in time, whenever they hang up. This is the
definition the discrete-event check in the tests measures as well.

**Formulae.** The number of callers in the system is a birth-death chain: births λ, deaths
min(k, n)·μ + max(k - n, 0)·θ (Palm 1943; Garnett, Mandelbaum and Reiman 2002, "Designing a call
center with impatient customers", MSOM 4(3), pp. 208-227, §2). An arrival sees the stationary
distribution (PASTA). Let V be its *offered wait*, the time until an agent would take it were it
infinitely patient: V = 0 when it finds a free agent; when it finds m callers queued ahead, V is
the sum of exponential stages with rates nμ + jθ, j = m … 0, because each caller ahead leaves the
queue by service or by abandonment and those behind never matter. The caller is answered within t
exactly when V ≤ t and its own patience τ ~ Exp(θ), independent of V, exceeds V, so

    SL(t) = P(V = 0) + ∫₀ᵗ f_V(x)·e^{-θx} dx.

Summing the stage densities against the stationary weights gives the density of V on x > 0 in
closed form (Mandelbaum and Zeltyn 2007, "The M/M/n+G queue: summary of performance measures",
Technion technical note, with G exponential; Zeltyn and Mandelbaum 2005, "Call centers with
impatient customers", Queueing Systems 51, pp. 361-402, §2):

    f_V(x) = λ·π_{n-1}·exp(-nμx + (λ/θ)(1 - e^{-θx})),

with π_{n-1} the stationary probability of n - 1 callers (at x → 0 it is π_n·nμ, the rate at which
the first queued caller is taken; with θ → 0 it is Erlang C's C·(nμ - λ)·e^{-(nμ-λ)x}).
Normalising the chain by B = B(n - 1, a), Erlang's loss formula for a = λ/μ offered Erlangs,
computed with its stable recursion, leaves

    SL(t) = (1 + B·λI_t) / (1 + B·λI_∞),
    λI_∞ = λ∫₀^∞ e^{-nμx + b(1 - e^{-θx})} dx = (a/n)·M(s + 1, b),
    λI_t = λ∫₀ᵗ e^{-(nμ+θ)x + b(1 - e^{-θx})} dx
         = λ/(nμ + θ)·[M(s + 2, b) - e^{-(nμ+θ)t + b(1 - e^{-θt})}·M(s + 2, b·e^{-θt})],

where s = nμ/θ, b = λ/θ and M(c, x) = ₁F₁(1; c; x), Kummer's function, from Euler's integral
₁F₁(1; c; x) = (c - 1)∫₀¹ e^{xu}(1 - u)^{c-2} du after u = 1 - e^{-θx} (Abramowitz and Stegun
13.2.1); the bracket splits ∫₀^{u_t} into ∫₀¹ - ∫_{u_t}¹ and rescales the second part
to [0, 1]. Every quantity is computed in logarithms, so agents in the hundreds, loads of hundreds
of Erlangs and patiences from a second to weeks neither overflow nor underflow.

With patience None the integrals are elementary and the formula is Erlang C's:
SL(t) = 1 - C(n, a)·e^{-(nμ-λ)t} for n > a, and 0 when n ≤ a (the queue grows without bound).
The tests check the closed form against an absorbing Markov chain solved with a matrix exponential,
Erlang C against published values, and the staffing against a discrete-event simulation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import gammaincc, hyp1f1

AGENT_CAP = 2000
"""The most agents :func:`agents_needed` considers; a helpdesk of the playbook has a handful.

Far above any load the model is meant for (a few hundred Erlangs need a few hundred agents), so a
request beyond it is an input error (a forecast in calls per second rather than per hour, a handle
time in hours), reported rather than searched for.
"""


@dataclass(frozen=True)
class QueueLoad:
    """What a queue is offered in one interval: calls per hour, mean handle time, mean patience.

    ``handle_s`` is talk time plus wrap-up (the agent is busy for both); ``patience_s`` is the mean
    of an exponential patience, or None when callers never hang up (Erlang C).
    """

    arrivals_per_hour: float
    handle_s: float
    patience_s: float | None

    def __post_init__(self) -> None:
        if not self.arrivals_per_hour >= 0 or math.isinf(self.arrivals_per_hour):
            raise ValueError(f"arrivals_per_hour must be a finite number ≥ 0, not {self.arrivals_per_hour}")
        if not self.handle_s > 0 or math.isinf(self.handle_s):
            raise ValueError(f"handle_s must be a finite number > 0, not {self.handle_s}")
        if self.patience_s is not None and not self.patience_s > 0:
            raise ValueError(f"patience_s must be > 0 or None, not {self.patience_s}")

    @property
    def offered_erlangs(self) -> float:
        """The offered load a = λ/μ: the agents the calls would keep busy if all were answered."""
        return self.arrivals_per_hour * self.handle_s / 3600


class AgentsOutOfReachError(ValueError):
    """No number of agents up to :data:`AGENT_CAP` reaches the target: the input is implausible."""

    def __init__(self, load: QueueLoad, target: float, within_s: float) -> None:
        super().__init__(
            f"{load.arrivals_per_hour:g} calls per hour of {load.handle_s:g} s "
            f"({load.offered_erlangs:g} Erlang) need more than {AGENT_CAP} agents "
            f"to answer {target:.0%} within {within_s:g} s"
        )
        self.load = load
        self.target = target
        self.within_s = within_s


def service_level(load: QueueLoad, agents: int, within_s: float) -> float:
    """The share of offered calls answered within ``within_s`` seconds by ``agents`` agents.

    No offered calls miss nothing: 1.0. No agents answer nothing: 0.0 when calls come.
    """
    _check_wait(within_s)
    if agents < 0:
        raise ValueError(f"agents must be ≥ 0, not {agents}")
    if load.arrivals_per_hour == 0:
        return 1.0
    if agents == 0:
        return 0.0
    return _service_level(load, agents, _log_erlang_b(agents - 1, load.offered_erlangs), within_s)


def agents_needed(load: QueueLoad, target: float, within_s: float, minimum: int = 0) -> int:
    """The fewest agents, at least ``minimum``, that answer ``target`` of the calls within ``within_s``.

    The search starts at ⌈target·a⌉: agents answer at most nμ calls per unit time, so the share
    answered at all, and a fortiori within the limit, is at most n/a. The service level grows with
    every agent added, so the first n that reaches the target is the answer. Raises
    :class:`AgentsOutOfReachError` above :data:`AGENT_CAP`.
    """
    _check_wait(within_s)
    if not 0 < target < 1:
        raise ValueError(f"target must lie strictly between 0 and 1, not {target}")
    if minimum < 0:
        raise ValueError(f"minimum must be ≥ 0, not {minimum}")
    if load.arrivals_per_hour == 0:
        return minimum
    offered = load.offered_erlangs
    start = max(minimum, math.ceil(target * offered), 1)
    if start > AGENT_CAP:
        raise AgentsOutOfReachError(load, target, within_s)
    log_b = _log_erlang_b(start - 1, offered)
    for agents in range(start, AGENT_CAP + 1):
        if _service_level(load, agents, log_b, within_s) >= target:
            return agents
        log_b = _next_log_erlang_b(log_b, agents, offered)
    raise AgentsOutOfReachError(load, target, within_s)


def _check_wait(within_s: float) -> None:
    if not within_s >= 0 or math.isinf(within_s):
        raise ValueError(f"within_s must be a finite number ≥ 0, not {within_s}")


def _log_erlang_b(agents: int, offered: float) -> float:
    """log B(agents, a), Erlang's loss formula, by its recursion from B(0, a) = 1."""
    log_b = 0.0
    for k in range(1, agents + 1):
        log_b = _next_log_erlang_b(log_b, k, offered)
    return log_b


def _next_log_erlang_b(log_b: float, agents: int, offered: float) -> float:
    """log B(n, a) from log B(n - 1, a): B(n) = a·B(n-1) / (n + a·B(n-1)), in logarithms."""
    log_ab = math.log(offered) + log_b
    return log_ab - _log_add(math.log(agents), log_ab)


def _service_level(load: QueueLoad, agents: int, log_b: float, within_s: float) -> float:
    """SL(t) = (1 + B·λI_t) / (1 + B·λI_∞) with ``log_b`` = log B(agents - 1, a); agents ≥ 1."""
    arrival = load.arrivals_per_hour / 3600
    service = 1 / load.handle_s
    offered = load.offered_erlangs
    if load.patience_s is None:
        if agents <= offered:
            return 0.0
        log_waiting = math.log(offered / (agents - offered))
        log_answered = log_waiting + _log1mexp(-(agents * service - arrival) * within_s)
    else:
        patience = 1 / load.patience_s
        s = agents * service / patience
        b = arrival / patience
        log_waiting = math.log(offered / agents) + _log_kummer(s + 1, b)
        log_all = _log_kummer(s + 2, b)
        log_answered = (
            math.log(arrival / (agents * service + patience))
            + log_all
            + _log1mexp(min(_log_late_share(s + 2, b, patience * within_s), 0.0))
        )
    level = math.exp(_log_add(0.0, log_b + log_answered) - _log_add(0.0, log_b + log_waiting))
    return min(max(level, 0.0), 1.0)


def _log_late_share(c: float, b: float, decay: float) -> float:
    """log of e^{-(nμ+θ)t + b(1 - e^{-θt})}·M(c, b·e^{-θt}) / M(c, b), with c = s + 2.

    The share of the calls answered at all that are answered after t. When both arguments lie
    in the incomplete gamma branch of :func:`_log_kummer` the exponential prefactors cancel
    exactly ((c - 1)·θ = nμ + θ), leaving log P(c - 1, b·e^{-θt}) - log P(c - 1, b);
    subtracting the two logarithms instead, each of the order of b, would lose the difference to
    rounding when callers are patient for days.
    """
    late_b = b * math.exp(-decay)
    if late_b >= c:
        return _log_regularised_lower_gamma(c - 1, late_b) - _log_regularised_lower_gamma(c - 1, b)
    return -(c - 1) * decay + b * -math.expm1(-decay) + _log_kummer(c, late_b) - _log_kummer(c, b)


def _log_kummer(c: float, x: float) -> float:
    """log ₁F₁(1; c; x) for c > 1, x ≥ 0, without overflow.

    Below x = c the series is bounded by 1/(1 - x/c) and scipy's ``hyp1f1`` is accurate; above
    it the function grows like eˣ and comes from the lower incomplete gamma function instead:
    ₁F₁(1; c; x) = eˣ·₁F₁(c - 1; c; -x) (Kummer's transformation, Abramowitz and Stegun 13.1.27)
    = (c - 1)·x^{1-c}·eˣ·gamma(c - 1, x) (13.6.10), where the regularised
    P(c - 1, x) = gamma(c - 1, x)/Gamma(c - 1) is at least about ½ and cannot underflow.
    """
    if x < c:
        return math.log(float(hyp1f1(1.0, c, x)))
    return (1 - c) * math.log(x) + x + math.lgamma(c) + _log_regularised_lower_gamma(c - 1, x)


def _log_regularised_lower_gamma(a: float, x: float) -> float:
    """log P(a, x) for x above about a, from the upper tail Q = 1 - P so that P near 1 keeps its digits."""
    return math.log1p(-float(gammaincc(a, x)))


def _log_add(x: float, y: float) -> float:
    """log(eˣ + eʸ) without overflow."""
    if x == -math.inf:
        return y
    high, low = max(x, y), min(x, y)
    return high + math.log1p(math.exp(low - high))


def _log1mexp(x: float) -> float:
    """log(1 - eˣ) for x ≤ 0, accurate on both sides of -log 2 (Mächler 2012); -inf at 0."""
    if x == 0:
        return -math.inf
    if x > -math.log(2):
        return math.log(-math.expm1(x))
    return math.log1p(-math.exp(x))
