"""FER-style framing: the template fit and the crops."""

from __future__ import annotations

import numpy as np
import pytest

from facefilter.expression.crop import fer_crop_matrix, fer_crops, fer_template


def test_the_template_frames_like_fer() -> None:
    t = fer_template()
    assert t.shape == (68, 2)
    # FER's faces fill the square: jaw nearly edge to edge, brows about a quarter down, the chin
    # at the bottom edge, centred.
    assert t[:, 0].min() > 0 and t[:, 0].max() < 47 and abs(t[:, 0].mean() - 23.5) < 3
    assert 6 < t[17:27, 1].min() < 16 and t[36:48, 1].mean() < 24 < t[8, 1]
    assert t[8, 1] > 44


def test_a_face_on_the_template_maps_onto_itself() -> None:
    t = fer_template()
    np.testing.assert_allclose(fer_crop_matrix(t), [[1, 0, 0], [0, 1, 0]], atol=1e-9)


@pytest.mark.parametrize("scale,shift", [(4.0, (300.0, 120.0)), (0.5, (-3.0, 7.0))])
def test_scale_and_shift_are_undone(scale: float, shift: tuple[float, float]) -> None:
    t = fer_template()
    face = (t + 0.5) * scale - 0.5 + shift
    m = fer_crop_matrix(face)
    back = face @ m[:, :2].T + m[:, 2]
    np.testing.assert_allclose(back, t, atol=1e-6)
    assert m[0, 0] == pytest.approx(1 / scale)


def test_crops_follow_the_face() -> None:
    """A bright square drawn where the template's nose is lands on the crop's nose."""
    t = fer_template()
    k, off = 6.0, np.array([100.0, 50.0])
    face = (t + 0.5) * k - 0.5 + off
    frame = np.zeros((480, 640, 3), np.uint8)
    nose = np.round(face[30]).astype(int)
    frame[nose[1] - 9:nose[1] + 10, nose[0] - 9:nose[0] + 10] = 255
    crop = fer_crops(frame, face[None])[0]
    assert crop.shape == (48, 48) and crop.dtype == np.uint8
    y, x = np.unravel_index(np.argmax(crop), crop.shape)
    assert abs(x - t[30, 0]) <= 1.5 and abs(y - t[30, 1]) <= 1.5
    assert crop[0, 0] == 0


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(ValueError, match=r"\(68, 2\)"):
        fer_crop_matrix(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="collapsed"):
        fer_crop_matrix(np.zeros((68, 2)))
    with pytest.raises(ValueError, match="uint8"):
        fer_crops(np.zeros((10, 10, 3), np.float32), fer_template()[None])
