"""The benchmark's motion figures: NME still / moving / fast, lag along the motion, shake, misses."""

from __future__ import annotations

import numpy as np
import pytest

from facefilter.bench.motion import match, motion_scores, table_row
from tests.conftest import mean_face_points

IOD = 50.0
STILL = 20


def clip(frames: int = 80, amplitude: float = 40.0) -> np.ndarray:
    """``(T, 1, 68, 2)``: a face still for ``STILL`` frames, then moving left and right (sine, period 40 frames)."""
    out = []
    for t in range(frames):
        x = 320 + amplitude * np.sin(2 * np.pi * max(0, t - STILL) / 40)
        out.append(mean_face_points(center=(x, 240), iod=IOD)[None])
    return np.asarray(out, np.float64)


def results(preds: np.ndarray, ids: bool = True) -> list[tuple]:
    return [([p[0]], [1] if ids else []) for p in preds]


def test_perfect_predictions_score_zero() -> None:
    truth = clip()
    s = motion_scores(results(truth), truth, STILL, 30.0)
    assert s.nme == pytest.approx(0) and s.lag == pytest.approx(0) and s.shake == pytest.approx(0)
    assert s.misses == 0 and s.id_switches == 0 and s.jitter == pytest.approx(0)
    assert s.speed_fast > 0


def test_a_prediction_one_frame_late_lags_by_one_frame_of_motion() -> None:
    truth = clip()
    late = np.concatenate([truth[:1], truth[:-1]])
    s = motion_scores(results(late), truth, STILL, 30.0)
    step = np.abs(np.diff(truth[STILL:, 0, :, 0], axis=0)).mean(-1) / IOD * 100  # % IOD per frame
    assert s.lag == pytest.approx(step.mean(), rel=0.15)
    assert s.lag_fast > s.lag > 0  # the fastest quarter lags most
    assert s.nme_fast > s.nme_moving > s.nme_still == pytest.approx(0)
    early = np.concatenate([truth[1:], truth[-1:]])
    assert motion_scores(results(early), truth, STILL, 30.0).lag < 0  # ahead of the face: negative


def test_a_constant_offset_is_not_lag_and_noise_is_shake() -> None:
    truth = clip()
    offset = truth + (0.02 * IOD, 0.0)  # 2% IOD to the right, always
    s = motion_scores(results(offset), truth, STILL, 30.0)
    assert s.nme == pytest.approx(2.0, abs=1e-6) and abs(s.lag) < 0.1 and s.shake == pytest.approx(0, abs=1e-9)
    rng = np.random.default_rng(0)
    noisy = truth + rng.normal(0, 0.01 * IOD, truth.shape)
    s = motion_scores(results(noisy), truth, STILL, 30.0)
    assert 1.0 < s.shake < 5.0 and s.jitter == pytest.approx(1.0, rel=0.2)


def test_misses_ids_and_input_checks() -> None:
    truth = clip()
    res = [([], []) if t % 10 == 0 else ([truth[t, 0]], [1 + (t >= 50)]) for t in range(len(truth))]
    s = motion_scores(res, truth, STILL, 30.0)
    assert s.misses == 8 and s.miss == pytest.approx(10.0) and s.id_switches == 1
    pred, who = match(res, truth)
    assert np.isnan(pred[0]).all() and who[0, 0] == -1 and who[51, 0] == 2
    assert "| 3 faces | ours | 30.0 |" in table_row("3 faces", "ours", s, 30.0)
    with pytest.raises(ValueError, match=r"\(frames, faces, 68, 2\)"):
        motion_scores(res, truth[:, 0], STILL, 30.0)
    with pytest.raises(ValueError, match="results hold 3 frames"):
        motion_scores(res[:3], truth, STILL, 30.0)


def test_clip_grid_sizes_and_speeds() -> None:
    from facefilter.bench.pipeline import ClipSpec, clip_specs, trajectory

    specs = clip_specs("1, 2@70", "1,3", 2.0, 8.0, 2.0)
    assert [s.name for s in specs] == ["1 face", "1 face 3x", "2 faces 70px", "2 faces 70px 3x"]
    assert trajectory(specs[2], 0, 0.0)[1] == 70.0 and trajectory(specs[0], 0, 0.0)[1] == 170.0
    slow, fast = ClipSpec(2, side=70.0), ClipSpec(2, side=70.0, speed=3.0)
    for m in (0.6, 1.7, 2.9):  # after the 0.5 s ramp: the same path, three times sooner
        (c1, s1, r1), (c3, s3, r3) = trajectory(fast, 1, 2.0 + m), trajectory(slow, 1, 2.0 + 3 * m)
        assert (*c1, s1, r1) == pytest.approx((*c3, s3, r3))
    with pytest.raises(ValueError, match="--faces"):
        clip_specs("2@x", "1", 2.0, 8.0, 2.0)
    with pytest.raises(ValueError, match="positive"):
        clip_specs("2", "0", 2.0, 8.0, 2.0)


def test_contact_sheet_layout_and_variant_parsing() -> None:
    from facefilter.bench.sheet import COLOURS, contact_sheet, parse_variant

    truth = clip(frames=30)
    frames = [np.full((480, 640, 3), 100, np.uint8) for _ in range(30)]
    sheet = contact_sheet(frames, truth, {"a": truth, "b": truth + 100.0}, every=10, columns=2, size=64)
    # 3 blocks (frames 0, 10, 20) in 2 columns -> 2 rows; a block is 2 variants x 1 face tiles + 4 px border
    assert sheet.shape == (26 + 2 * (2 * 64 + 4), 2 * (64 + 4), 3)

    def near(tile: np.ndarray, colour: tuple[int, int, int]) -> int:
        return int((np.abs(tile.reshape(-1, 3).astype(int) - colour).max(axis=1) < 60).sum())

    assert near(sheet[26:26 + 64, :64], COLOURS[0]) > 20  # variant a's points drawn in its colour
    assert near(sheet[26 + 64:26 + 128, :64], COLOURS[1]) == 0  # b's points are 100 px off: outside the zoom
    name, fields = parse_variant("old:optical_flow=False,crop_slack=0.05")
    assert name == "old" and fields == {"optical_flow": False, "crop_slack": 0.05}
    with pytest.raises(ValueError, match="not field=value"):
        parse_variant("old:nonsense=1")
    with pytest.raises(ValueError, match="NAME:field"):
        parse_variant("optical_flow=False")
