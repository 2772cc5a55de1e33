"""300-W metrics on hand-made errors."""

from __future__ import annotations

import numpy as np
import pytest

from facefilter.landmarks.metrics import auc, ced_curve, failure_rate, nme
from tests.conftest import mean_face_points


def test_nme_is_mean_error_over_outer_eye_distance() -> None:
    gt = mean_face_points(iod=50.0)[None]
    pred = gt.copy()
    pred[..., 0] += 2.0  # every point 2 px off
    np.testing.assert_allclose(nme(pred, gt), [2.0 / 50.0], rtol=1e-5)


def test_nme_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(N, 68, 2\)"):
        nme(np.zeros((1, 68, 2)), np.zeros((2, 68, 2)))


def test_failure_rate_and_auc() -> None:
    errors = np.array([0.01, 0.02, 0.03, 0.10])
    assert failure_rate(errors) == pytest.approx(0.25)
    assert auc(np.zeros(10)) == pytest.approx(1.0, abs=1e-3)
    assert auc(np.full(10, 0.2)) == pytest.approx(0.0)
    # Uniform errors on [0, 0.08] give a straight CED line: area 1/2.
    assert auc(np.linspace(0, 0.08, 10001)) == pytest.approx(0.5, abs=1e-3)
    xs, ys = ced_curve(errors)
    assert xs[-1] == pytest.approx(0.08) and ys[-1] == pytest.approx(0.75)
