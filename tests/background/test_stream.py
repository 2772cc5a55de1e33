"""The per-stream effect: temporal smoothing (steady when still, no ghost on a move), the model
every n-th frame, a frame with no person, and the effects end to end with a fake segmenter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from facefilter.background import (
    BackgroundEffect,
    BackgroundError,
    BackgroundSpec,
    EffectConfig,
    FakeSegmenter,
    MaskSmoother,
    MaskSmoothingConfig,
)

H, W = 120, 160


def person_frame(x0: int, noise: np.random.Generator | None = None) -> np.ndarray:
    """A dark room with a bright 'person' block from column ``x0``, optional camera noise (sigma 2)."""
    frame = np.full((H, W, 3), 40, np.uint8)
    frame[20:, x0 : x0 + 50] = 210
    if noise is not None:
        frame = np.clip(frame + noise.normal(0, 2, frame.shape), 0, 255).astype(np.uint8)
    return frame


def person_mask(x0: int, jitter: np.ndarray | None = None) -> np.ndarray:
    """The block's mask with a 4-px feathered edge, plus ``jitter`` (the model's frame-to-frame noise)."""
    xs = np.arange(W, dtype=np.float32)
    row = np.clip(np.minimum(xs - x0 + 2, x0 + 50 + 2 - xs) / 4, 0, 1)
    m = np.zeros((H, W), np.float32)
    m[20:] = row
    if jitter is not None:
        m = np.clip(m + jitter, 0, 1)
    return m


def test_smoothing_steadies_the_edge_of_a_still_person() -> None:
    rng = np.random.default_rng(0)
    edge = np.zeros((H, W), bool)
    edge[20:, 56:66] = True
    smoother = MaskSmoother()
    raw_steps, smooth_steps = [], []
    prev_raw = prev_smooth = None
    for _ in range(40):
        jitter = np.where(edge, rng.normal(0, 0.15, (H, W)), 0).astype(np.float32)
        raw = person_mask(14, jitter)
        out = smoother(person_frame(14, rng), raw)
        if prev_raw is not None:
            raw_steps.append(np.abs(raw - prev_raw)[edge].mean())
            smooth_steps.append(np.abs(out - prev_smooth)[edge].mean())
        prev_raw, prev_smooth = raw, out
    assert np.mean(smooth_steps) < 0.45 * np.mean(raw_steps)


def test_smoothing_leaves_no_ghost_on_a_fast_move() -> None:
    smoother = MaskSmoother()
    for _ in range(10):  # settle while still
        smoother(person_frame(14), person_mask(14))
    out = smoother(person_frame(70), person_mask(70))  # one frame later the person is 56 px away
    assert out[60, 30] < 0.02  # where the person was: background again at once
    assert out[60, 90] > 0.98  # where they are now: person at once
    truth = person_mask(70)
    assert np.abs(out - truth).mean() < 0.01


def test_smoothing_can_be_turned_off() -> None:
    smoother = MaskSmoother(MaskSmoothingConfig(enabled=False))
    smoother(person_frame(14), person_mask(14))
    m = person_mask(16)
    np.testing.assert_array_equal(smoother(person_frame(14), m), m)
    with pytest.raises(ValueError, match="still_alpha"):
        MaskSmoothingConfig(still_alpha=0)


def test_no_person_gives_the_effect_over_the_whole_frame() -> None:
    effect = BackgroundEffect(BackgroundSpec.parse("color:#00FF00"), FakeSegmenter())
    out = effect.apply(person_frame(14))
    assert (out == (0, 255, 0)).all()


def test_each_effect_keeps_the_person_and_changes_the_room(tmp_path: Path) -> None:
    import cv2

    picture = tmp_path / "bg.png"
    cv2.imwrite(str(picture), np.full((50, 100, 3), (200, 100, 0), np.uint8))
    frame = person_frame(14)
    frame[:20, :] = (0, 0, 255)  # a red room top, to see desaturation
    mask = person_mask(14)
    inside, outside = mask == 1.0, mask == 0.0
    for text, room in (("color:#102030", (0x30, 0x20, 0x10)), (f"image:{picture}", (200, 100, 0))):
        out = BackgroundEffect(BackgroundSpec.parse(text), FakeSegmenter(mask)).apply(frame)
        np.testing.assert_array_equal(out[inside], frame[inside])
        assert (out[outside] == room).all(), text
    grey = BackgroundEffect(BackgroundSpec.parse("desaturate"), FakeSegmenter(mask)).apply(frame)
    np.testing.assert_array_equal(grey[inside], frame[inside])
    assert (grey[:20, 0, 0] == grey[:20, 0, 2]).all()  # the red room turned grey
    blurred = BackgroundEffect(BackgroundSpec.parse("blur"), FakeSegmenter(mask)).apply(frame)
    np.testing.assert_array_equal(blurred[inside], frame[inside])
    assert not np.array_equal(blurred[outside], frame[outside])
    assert blurred[60, 100].max() <= 45  # no halo of the bright person in the dark room


def test_off_returns_the_frame_and_does_not_run_the_model() -> None:
    fake = FakeSegmenter()
    frame = person_frame(14)
    out = BackgroundEffect(BackgroundSpec.parse("none"), fake).apply(frame)
    np.testing.assert_array_equal(out, frame)
    assert out is not frame and fake.calls == 0


def test_model_every_second_frame_carries_the_mask_forward() -> None:
    fake = FakeSegmenter(lambda i, f: person_mask(14 + 2 * i))
    effect = BackgroundEffect(BackgroundSpec.parse("blur"), fake,
                              EffectConfig(model_interval=2, smoothing=MaskSmoothingConfig(enabled=False)))
    masks = [effect.mask(person_frame(14)) for _ in range(6)]
    assert fake.calls == 3 == effect.model_runs  # a still picture: every 2nd frame
    np.testing.assert_array_equal(masks[1], masks[0])  # carried forward
    assert not np.array_equal(masks[2], masks[1])
    effect.reset()
    effect.mask(person_frame(14))
    assert fake.calls == 4  # a new stream runs the model first
    effect.mask(person_frame(70))  # the person moved: the model runs at once, interval or not
    assert fake.calls == 5
    every = BackgroundEffect(BackgroundSpec.parse("blur"), FakeSegmenter(), EffectConfig(model_interval=1))
    for _ in range(4):
        every.mask(person_frame(14))
    assert every.model_runs == 4


def test_a_bad_background_image_fails_before_any_frame(tmp_path: Path) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnonsense")
    with pytest.raises(BackgroundError, match=r"broken\.png: not a picture"):
        BackgroundEffect(BackgroundSpec.parse(f"image:{bad}"), FakeSegmenter())
