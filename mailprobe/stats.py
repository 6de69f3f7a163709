"""Kaplan-Meier estimate of the reply rate: unanswered probes count as censored, not as failures.

Each sent probe is one subject: ``time`` is the delay of its first human reply (days) when it
has one (``event=True``), else the time it has been waiting so far (``event=False``).  The reply
rate at ``t`` is ``1 - S(t)``; it is not the mean over the replies alone.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True)
class Step:
    time: float
    at_risk: int
    events: int
    survival: float  # S(t) just after ``time``


def kaplan_meier(observations: Iterable[tuple[float, bool]]) -> list[Step]:
    """Product-limit estimator.  Ties: events are processed before censorings at the same time."""
    obs = sorted(((max(0.0, float(t)), bool(e)) for t, e in observations), key=lambda x: (x[0], not x[1]))
    n = len(obs)
    steps: list[Step] = []
    s = 1.0
    i = 0
    while i < n:
        t = obs[i][0]
        at_risk = n - i
        events = censored = 0
        while i < n and obs[i][0] == t:
            if obs[i][1]:
                events += 1
            else:
                censored += 1
            i += 1
        if events:
            s *= 1.0 - events / at_risk
            steps.append(Step(t, at_risk, events, s))
    return steps


def survival_at(steps: Sequence[Step], t: float) -> float:
    s = 1.0
    for step in steps:
        if step.time <= t:
            s = step.survival
        else:
            break
    return s


def rate_at(steps: Sequence[Step], t: float) -> float:
    """Estimated share of probes answered within ``t`` days."""
    return 1.0 - survival_at(steps, t)


def km_quantile(steps: Sequence[Step], q: float) -> float | None:
    """The smallest time at which the estimated reply rate reaches ``q``; None if it never does."""
    for step in steps:
        if 1.0 - step.survival >= q - 1e-12:
            return step.time
    return None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..1) of observed values; None when empty."""
    if not values:
        return None
    v = sorted(values)
    pos = (len(v) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)
