"""LandmarkModel.predict: shapes, input checks, and the shipped weights on real faces."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.data import discover, split_indices
from facefilter.landmarks import LandmarkModel
from facefilter.landmarks.metrics import nme


@pytest.fixture(scope="module")
def model() -> LandmarkModel:
    return LandmarkModel.load(device="cpu")


def test_shapes_and_dtypes(model: LandmarkModel, synthetic_face: tuple[np.ndarray, np.ndarray]) -> None:
    image, pts = synthetic_face
    box = np.r_[pts.min(0), pts.max(0) - pts.min(0)]
    out = model.predict(image, np.stack([box, box + [5, 0, 0, 0], box * [1, 1, 0.8, 0.8]]))
    assert out.shape == (3, 68, 2) and out.dtype == np.float32
    assert model.predict(image, np.zeros((0, 4))).shape == (0, 68, 2)


def test_grey_and_bgr_inputs_agree(model: LandmarkModel, synthetic_face: tuple[np.ndarray, np.ndarray]) -> None:
    image, pts = synthetic_face
    box = np.r_[pts.min(0), pts.max(0) - pts.min(0)][None]
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    np.testing.assert_allclose(model.predict(image, box), model.predict(grey, box), atol=1e-4)


def test_bad_inputs_raise_clear_errors(model: LandmarkModel) -> None:
    with pytest.raises(ValueError, match="uint8"):
        model.predict(np.zeros((10, 10), np.float32), np.array([[0, 0, 5, 5]]))
    with pytest.raises(ValueError, match=r"shape \(10, 10, 2\)"):
        model.predict(np.zeros((10, 10, 2), np.uint8), np.array([[0, 0, 5, 5]]))
    with pytest.raises(ValueError, match="positive width"):
        model.predict(np.zeros((10, 10), np.uint8), np.array([[0, 0, 0, 5]]))


def test_shipped_weights_locate_real_faces(model: LandmarkModel, ibug_dir: Path) -> None:
    """On held-out validation faces the shipped weights are as accurate as their model card says.

    Measured when they shipped: mean NME 4.1%, median 3.6% on these 24 faces (3.7% mean on all
    201 validation faces); the bounds leave room for numeric differences, not for weaker weights.
    """
    records = discover(ibug_dir).records
    _, val = split_indices(len(records), 0.1, seed=0)
    preds, gts = [], []
    for i in val[:24]:
        r = records[i]
        preds.append(model.predict(cv2.imread(str(r.image)), r.box[None])[0])
        gts.append(r.points)
    errors = nme(np.stack(preds), np.stack(gts))
    assert np.median(errors) < 0.042, f"median NME {np.median(errors):.3%}"
    assert errors.mean() < 0.048, f"mean NME {errors.mean():.3%}"
    assert errors.max() < 0.10, f"worst NME {errors.max():.3%}"


def test_rolled_crop_matches_upright_prediction(model: LandmarkModel, ibug_dir: Path) -> None:
    """Rotating the image and passing the roll angle gives the same points, rotated."""
    r = discover(ibug_dir).records[3]
    image = cv2.imread(str(r.image))
    base = model.predict(image, r.box[None])[0]
    h, w = image.shape[:2]
    rot = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), -20, 1.0)  # turns the face 20 deg clockwise
    rotated = cv2.warpAffine(image, rot, (w, h))
    centre = r.box[:2] + r.box[2:] / 2
    c2 = rot[:, :2] @ centre + rot[:, 2]
    box2 = np.r_[c2 - r.box[2:] / 2, r.box[2:]][None]
    out = model.predict(rotated, box2, angles=np.array([20.0]))[0]
    expected = base @ rot[:, :2].T + rot[:, 2]
    assert nme(out[None], expected[None])[0] < 0.03


def test_large_noisy_photo_gives_the_same_points(ibug_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A face photographed at 6x the training faces' resolution, with sensor noise, gives the points
    of the original (scaled), because the crop is area-averaged (``area_prefilter``).

    Measured on these 8 faces: they agree to 0.17% of the eye distance on average; cropping the
    large photo by point sampling instead moves them by 1.0%.
    """
    import facefilter.landmarks.predictor as predictor

    single = LandmarkModel.load_single(device="cpu")
    records = discover(ibug_dir).records[:8]
    s, noise = 6.0, np.random.default_rng(1)

    def disagreement() -> float:
        out = []
        for r in records:
            image = cv2.imread(str(r.image))
            big = cv2.resize(image, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC).astype(np.float32)
            big = np.clip(big + noise.normal(0.0, 20.0, big.shape), 0, 255).astype(np.uint8)
            big_box = np.r_[(r.box[:2] + 0.5) * s - 0.5, r.box[2:] * s][None]
            small = single.predict(image, r.box[None])
            large = (single.predict(big, big_box) + 0.5) / s - 0.5
            out.append(nme(large, small)[0])
        return float(np.mean(out))

    averaged = disagreement()
    monkeypatch.setattr(predictor, "area_prefilter", lambda image, mats, size: (image, mats))
    point_sampled = disagreement()
    assert averaged < 0.005, f"{averaged:.3%}"
    assert point_sampled > 2 * averaged, (point_sampled, averaged)


@pytest.fixture(scope="module")
def two_nets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two small random networks (one per head) saved with the same 64 px crops."""
    import torch

    from facefilter.landmarks.model import ARCH_FC, ARCH_SOFT, LandmarkNet
    from facefilter.landmarks.weights import ModelConfig, save_weights

    torch.manual_seed(3)
    folder = tmp_path_factory.mktemp("nets")
    paths = []
    for arch in (ARCH_FC, ARCH_SOFT):
        net = LandmarkNet(arch=arch)
        if arch == ARCH_SOFT:
            torch.nn.init.normal_(net.head.out.weight, std=0.05)
        save_weights(net, ModelConfig(input_size=64, arch=arch), folder / f"{arch}.safetensors", half=False)
        paths.append(folder / f"{arch}.safetensors")
    return paths[0], paths[1]


def test_companions_average_the_networks(
    two_nets: tuple[Path, Path], synthetic_face: tuple[np.ndarray, np.ndarray]
) -> None:
    image, pts = synthetic_face
    boxes = np.stack([np.r_[pts.min(0), pts.max(0) - pts.min(0)]] * 2) + [[0, 0, 0, 0], [8, 4, 0, 0]]
    a, b = two_nets
    single_a = LandmarkModel.load(a, device="cpu").predict(image, boxes)
    single_b = LandmarkModel.load(b, device="cpu").predict(image, boxes)
    both = LandmarkModel.load(a, device="cpu", companions=[b])
    assert len(both.companions) == 1
    np.testing.assert_allclose(both.predict(image, boxes), (single_a + single_b) / 2, atol=1e-3)
    assert not np.allclose(single_a, single_b, atol=1.0)  # the average is not trivially one of them


def test_use_onnx_swaps_every_network_of_an_ensemble(
    two_nets: tuple[Path, Path], synthetic_face: tuple[np.ndarray, np.ndarray]
) -> None:
    from facefilter.landmarks.onnx import OnnxNet, use_onnx

    image, pts = synthetic_face
    boxes = np.r_[pts.min(0), pts.max(0) - pts.min(0)][None]
    both = LandmarkModel.load(two_nets[0], device="cpu", companions=[two_nets[1]])
    ref = both.predict(image, boxes)
    assert use_onnx(both)
    assert isinstance(both.net, OnnxNet) and all(isinstance(c, OnnxNet) for c in both.companions)
    assert len(both.companions) == 1
    np.testing.assert_allclose(both.predict(image, boxes), ref, atol=1e-3)
    assert use_onnx(both)  # already swapped: nothing to do


def test_companion_with_other_crops_is_refused(two_nets: tuple[Path, Path], tmp_path: Path) -> None:
    from facefilter.landmarks import WeightsError
    from facefilter.landmarks.model import LandmarkNet
    from facefilter.landmarks.weights import ModelConfig, save_weights

    other = tmp_path / "big.safetensors"
    save_weights(LandmarkNet(), ModelConfig(input_size=96), other)
    with pytest.raises(WeightsError, match=r"big\.safetensors: its crops .* differ from those of"):
        LandmarkModel.load(two_nets[0], device="cpu", companions=[other])
    with pytest.raises(WeightsError, match=r"nope\.safetensors: weights file not found"):
        LandmarkModel.load(two_nets[0], device="cpu", companions=[tmp_path / "nope.safetensors"])


def test_shipped_default_is_the_ensemble(model: LandmarkModel) -> None:
    from facefilter.landmarks.predictor import MULTI_CROP, SHIPPED_COMPANIONS

    assert len(model.companions) == len(SHIPPED_COMPANIONS) >= 1
    assert model.crops == [tuple(c) for c in MULTI_CROP] and len(MULTI_CROP) == 7
    explicit = LandmarkModel.load(model.source, device="cpu")  # an explicit path: no companions, one crop
    assert explicit.companions == [] and explicit.crops == [(1.0, 0.0, 0.0)]
    assert LandmarkModel.load(device="cpu", companions=[]).companions == []
    assert len(LandmarkModel.load(device="cpu", multi_crop=False).crops) == 1


def test_multi_crop_averages_its_crops_in_image_pixels(
    two_nets: tuple[Path, Path], synthetic_face: tuple[np.ndarray, np.ndarray]
) -> None:
    from facefilter.landmarks.crop import MAX_STEP, crop_step
    from facefilter.landmarks.predictor import MULTI_CROP

    # At half size no crop spans over MAX_STEP pixels, so each crop is a plain warp (larger faces
    # share one area-averaging among their crops, see test_crop.py) and the averages compare exactly.
    image, pts = synthetic_face
    image, pts = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA), (pts + 0.5) / 2 - 0.5
    boxes = np.stack([np.r_[pts.min(0), pts.max(0) - pts.min(0)]] * 2) + [[0, 0, 0, 0], [3, -1.5, 2, 0]]
    multi = LandmarkModel.load(two_nets[0], device="cpu", multi_crop=True)
    assert max(crop_step(m) for c in MULTI_CROP for m in multi.crop_matrices(boxes, crop=c)) <= MAX_STEP
    assert len(multi.crops) == len(MULTI_CROP)
    each = [LandmarkModel(multi.net, multi.config, multi.device, True, crops=[c]).predict(image, boxes)
            for c in MULTI_CROP]
    assert not np.allclose(each[0], each[1], atol=0.5)  # the crops differ
    np.testing.assert_allclose(multi.predict(image, boxes), np.mean(each, axis=0), atol=1e-3)
    with pytest.raises(ValueError, match="zoom > 0"):
        LandmarkModel(multi.net, multi.config, multi.device, crops=[(0.0, 0.0, 0.0)])


def test_test_time_crops_find_the_same_points(ibug_dir: Path) -> None:
    """Each zoomed or shifted crop, mapped back, lands on the same features (a wrong inverse would
    move the points by the shift: 3% of the box, ~7% of the eye distance)."""
    from facefilter.landmarks.predictor import MULTI_CROP

    records = discover(ibug_dir).records
    _, val = split_indices(len(records), 0.1, seed=0)
    main = LandmarkModel.load_single(device="cpu")
    singles = [LandmarkModel(main.net, main.config, main.device, True, crops=[c]) for c in MULTI_CROP]
    for i in val[:4]:
        r = records[i]
        image = cv2.imread(str(r.image))
        each = np.stack([m.predict(image, r.box[None])[0] for m in singles])
        spread = nme(each, np.broadcast_to(each.mean(0), each.shape))
        assert spread.max() < 0.03, (r.image, spread)
