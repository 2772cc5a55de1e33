"""Expression probabilities smoothed over time per tracked face, with a label that does not flicker.

Per face id: the log-probabilities follow an exponential moving average with time constant
``tau`` seconds (frame-rate independent: the weight of a frame ``dt`` s long is
``1 - exp(-dt / tau)``); the smoothed probabilities are the softmax of that average. The shown
*label* changes only when another class leads the current label by ``margin`` (hysteresis) and
the label has been held for at least ``min_hold`` seconds: while the expression is steady the
label changes at most once per ``min_hold``. A face unseen for more than ``max_gap`` seconds
starts afresh. Pure numpy; state is a deterministic function of the (time, ids, probabilities) seen.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from facefilter.expression.config import EXPRESSIONS

EPS = 1e-6


@dataclass(frozen=True)
class SmoothingConfig:
    """``tau``: s, EMA time constant in log space; ``margin``: probability lead a new label needs;
    ``min_hold``: s a label is kept at least; ``max_gap``: s after which an unseen face is forgotten."""

    tau: float = 0.5
    margin: float = 0.1
    min_hold: float = 2.0
    max_gap: float = 1.0


@dataclass(frozen=True)
class SmoothedExpression:
    """One face's smoothed state: ``probs`` (8,) float32 summing to 1, ``label`` index into
    :data:`EXPRESSIONS`, ``since``: time the label was taken (s)."""

    probs: np.ndarray
    label: int
    since: float

    @property
    def name(self) -> str:
        return EXPRESSIONS[self.label]


@dataclass
class _Track:
    log_p: np.ndarray
    label: int
    since: float
    t: float


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


class ExpressionSmoother:
    """Per-track smoothing of expression probabilities (see the module docstring)."""

    def __init__(self, config: SmoothingConfig | None = None) -> None:
        self.config = config or SmoothingConfig()
        self.tracks: dict[Hashable, _Track] = {}
        self.last_t: float | None = None

    def reset(self) -> None:
        """Forget every face."""
        self.tracks.clear()
        self.last_t = None

    def update(self, t: float, ids: Sequence[Hashable], probs: np.ndarray) -> list[SmoothedExpression]:
        """Advance to time ``t`` (s) with one ``(8,)`` probability row per face id; returns the
        smoothed state of each, in order. Time going backwards forgets every face."""
        probs = np.asarray(probs, dtype=np.float64).reshape(-1, len(EXPRESSIONS))
        if len(ids) != len(probs):
            raise ValueError(f"{len(ids)} ids but {len(probs)} probability rows")
        if not np.isfinite(t):
            raise ValueError(f"t must be finite seconds, got {t}")
        cfg = self.config
        if self.last_t is not None and t < self.last_t:
            self.tracks.clear()
        self.last_t = t
        out = []
        seen: dict[Hashable, _Track] = {}
        for key, p in zip(ids, probs, strict=True):
            lp = np.log(np.clip(p, EPS, 1.0))
            tr = self.tracks.get(key)
            if tr is None or t - tr.t > cfg.max_gap or key in seen:
                tr = _Track(lp, int(np.argmax(p)), t, t)
            else:
                a = 1.0 - np.exp(-max(t - tr.t, 0.0) / max(cfg.tau, 1e-9))
                tr.log_p = tr.log_p + a * (lp - tr.log_p)
                tr.t = t
                sp = _softmax(tr.log_p)
                best = int(np.argmax(sp))
                if (best != tr.label and sp[best] >= sp[tr.label] + cfg.margin
                        and t - tr.since >= cfg.min_hold):
                    tr.label, tr.since = best, t
            seen[key] = tr
            out.append(SmoothedExpression(_softmax(tr.log_p).astype(np.float32), tr.label, tr.since))
        self.tracks = seen
        return out
