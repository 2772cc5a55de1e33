"""The segmenter interface: the fake, the guided filter, and MediaPipe's model on real faces."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.background import FakeSegmenter, PersonSegmenter, Segmenter, SegmenterModel, guided_filter
from facefilter.background.segmenter import StagedSegmenter, model_path


def test_fake_segmenter_scripts_masks_and_counts_calls() -> None:
    frame = np.zeros((30, 40, 3), np.uint8)
    fixed = np.zeros((30, 40), np.float32)
    fixed[10:20, 10:30] = 1.0
    fake = FakeSegmenter(fixed)
    assert isinstance(fake, Segmenter) and not isinstance(fake, StagedSegmenter)
    out = fake.mask(frame)
    np.testing.assert_array_equal(out, fixed)
    out[:] = 0.5  # callers get a copy
    np.testing.assert_array_equal(fake.mask(frame), fixed)
    assert fake.calls == 2
    by_call = FakeSegmenter(lambda i, f: np.full(f.shape[:2], i / 10, np.float32))
    assert by_call.mask(frame)[0, 0] == 0.0 and by_call.mask(frame)[0, 0] == pytest.approx(0.1)
    assert not FakeSegmenter().mask(frame).any()  # no person


def test_fake_segmenter_checks_frames_and_masks() -> None:
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        FakeSegmenter().mask(np.zeros((30, 40), np.uint8))
    with pytest.raises(ValueError, match=r"frame's size \(30, 40\)"):
        FakeSegmenter(np.zeros((31, 40), np.float32)).mask(np.zeros((30, 40, 3), np.uint8))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        FakeSegmenter(np.full((30, 40), 2.0, np.float32)).mask(np.zeros((30, 40, 3), np.uint8))


@pytest.mark.parametrize("subsample", [1, 2])
@pytest.mark.parametrize("offset", [-3, 0, 3])
def test_guided_filter_puts_the_mask_edge_on_the_picture_edge(offset: int, subsample: int) -> None:
    """Also the fast variant (coefficients fitted at half the size): the edge is still the guide's own."""
    guide = np.full((80, 80), 40, np.uint8)
    guide[:, 37:] = 200  # the person's true edge: between x = 36 and 37
    coarse = (np.arange(80) >= 37 + offset).astype(np.float32)[None].repeat(80, 0)
    coarse = cv2.GaussianBlur(coarse, (0, 0), 1.5)  # a coarse model's soft, misplaced edge
    out = guided_filter(guide, coarse, radius=4, eps=1e-3, subsample=subsample)
    assert out.dtype == np.float32 and out.shape == coarse.shape
    step = np.diff(out[40])
    assert int(np.argmax(step)) == 36 and step[36] > 0.3  # the steepest rise sits on the picture's edge
    if offset:
        assert int(np.argmax(np.diff(coarse[40]))) != 36
    flat = np.full((80, 80), 0.7, np.float32)
    np.testing.assert_allclose(guided_filter(guide, flat, subsample=subsample), 0.7, atol=1e-4)  # flat stays flat


def test_model_files_ship_with_facefilter_with_licence_and_source() -> None:
    import hashlib

    for model in SegmenterModel:
        path = model_path(model)
        assert path.is_file() and path.suffix == ".tflite" and "mediapipe" not in path.parts
        source = (path.parent / "SOURCE.md").read_text()
        assert hashlib.sha256(path.read_bytes()).hexdigest() in source, f"{path}: sha256 not in SOURCE.md"
    assert "Apache License" in (model_path().parent / "LICENSE").read_text()


def _face_frame(ibug_dir: Path, index: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A 640x480 frame holding a 300-W face (scaled to 480x480, centred) and its hull as a bool mask."""
    from facefilter.bench.background import PHOTO, hull_mask, webcam_frame
    from facefilter.bench.scene import background
    from facefilter.data import discover

    rec = discover(ibug_dir).records[index]
    photo = cv2.imread(str(rec.image), cv2.IMREAD_COLOR)
    return webcam_frame(photo, background((640, 480), 0)), hull_mask(rec.points, PHOTO / photo.shape[1], 0)


@pytest.mark.parametrize("model", list(SegmenterModel))
def test_person_segmenter_finds_the_face_and_is_stateless(ibug_dir: Path, model: SegmenterModel) -> None:
    frame, hull = _face_frame(ibug_dir)
    with PersonSegmenter(model=model) as seg:
        assert isinstance(seg, StagedSegmenter)
        m = seg.mask(frame)
        assert m.dtype == np.float32 and m.shape == (480, 640)
        assert m.min() >= 0.0 and m.max() <= 1.0
        assert (m[hull] >= 0.5).mean() > 0.98  # the face is person
        assert (m[:, :60] >= 0.5).mean() < 0.05  # the room beside the photo is not
        seg.mask(np.full((480, 640, 3), 128, np.uint8))  # another picture in between changes nothing
        np.testing.assert_array_equal(seg.mask(frame), m)
        small = seg.mask(cv2.resize(frame, (320, 240)))
        assert small.shape == (240, 320)


def test_person_segmenter_sees_no_one_in_an_empty_room() -> None:
    from facefilter.bench.scene import background

    with PersonSegmenter() as seg:
        m = seg.mask(background((640, 480), 3))
    assert (m >= 0.5).mean() < 0.05


def test_person_segmenter_checks_its_input() -> None:
    with PersonSegmenter() as seg, pytest.raises(ValueError, match="HxWx3 uint8 BGR"):
        seg.mask(np.zeros((480, 640), np.uint8))
    with pytest.raises(ValueError, match="work_width"):
        PersonSegmenter(work_width=8)
