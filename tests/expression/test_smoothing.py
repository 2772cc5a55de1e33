"""Per-track smoothing: no flicker on a steady noisy expression, a real change gets through."""

from __future__ import annotations

import numpy as np
import pytest

from facefilter.expression.config import EXPRESSIONS
from facefilter.expression.smoothing import ExpressionSmoother, SmoothingConfig


def noisy(lead: int, rng: np.random.Generator, second: int = 0, gap: float = 0.1) -> np.ndarray:
    """A frame's probabilities: ``lead`` ahead of ``second`` by ``gap`` on average, plus noise that
    often swaps them frame by frame."""
    p = np.full(8, 0.02)
    p[lead], p[second] = 0.45 + gap / 2, 0.45 - gap / 2
    p = p + rng.normal(0, 0.12, 8).clip(-0.3, 0.3)
    p = np.clip(p, 1e-3, None)
    return p / p.sum()


def test_a_steady_noisy_face_changes_label_at_most_once_per_two_seconds() -> None:
    rng = np.random.default_rng(0)
    sm = ExpressionSmoother()
    labels, raw = [], []
    for i in range(30 * 20):  # 20 s at 30 fps; the raw argmax flips between two classes
        p = noisy(1, rng)
        raw.append(int(np.argmax(p)))
        labels.append(sm.update(i / 30, [7], p[None])[0].label)
    raw_changes = int(np.count_nonzero(np.diff(raw)))
    changes = np.flatnonzero(np.diff(labels))
    assert raw_changes > 100  # the input does flicker
    assert len(changes) <= 20 / 2
    assert all(np.diff(changes) >= 60)  # never two changes within 2 s
    assert labels[-1] == 1


def test_a_real_change_shows_after_the_hold() -> None:
    sm = ExpressionSmoother()
    happy, surprised = np.eye(8)[1] * 0.9 + 0.0125, np.eye(8)[2] * 0.9 + 0.0125
    for i in range(90):
        out = sm.update(i / 30, ["a"], happy[None])[0]
    assert out.name == "happiness"
    switched = None
    for i in range(90, 200):
        out = sm.update(i / 30, ["a"], surprised[None])[0]
        if out.name == "surprise" and switched is None:
            switched = i / 30
    assert switched is not None and 3.0 < switched < 3.8  # a smoothing lag, not the 2 s hold
    assert out.probs.sum() == pytest.approx(1, abs=1e-5) and out.probs.dtype == np.float32


def test_the_hold_blocks_a_quick_second_change() -> None:
    cfg = SmoothingConfig(tau=0.05, min_hold=2.0)
    sm = ExpressionSmoother(cfg)
    a, b = np.eye(8)[0] * 0.9 + 0.0125, np.eye(8)[4] * 0.9 + 0.0125
    sm.update(0.0, [1], a[None])
    assert sm.update(1.0, [1], b[None])[0].label == 0  # held: the label is only 1 s old
    assert sm.update(2.1, [1], b[None])[0].label == 4


def test_tracks_are_separate_and_forgotten() -> None:
    sm = ExpressionSmoother(SmoothingConfig(max_gap=0.5))
    a, b = np.eye(8)[0] * 0.9 + 0.0125, np.eye(8)[3] * 0.9 + 0.0125
    out = sm.update(0.0, [1, 2], np.stack([a, b]))
    assert [o.label for o in out] == [0, 3]
    out = sm.update(1.0, [1], b[None])  # face 1 unseen for 1 s > max_gap: starts afresh
    assert out[0].label == 3 and 2 not in sm.tracks
    sm.update(0.5, [1], a[None])  # time going back forgets everything
    assert sm.update(0.6, [1], a[None])[0].label == 0


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="ids"):
        ExpressionSmoother().update(0.0, [1, 2], np.ones((1, len(EXPRESSIONS))) / 8)
