"""The face-ness classifier at run time (:mod:`facefilter.landmarks.faceness`): its crops, its ONNX
file's checks, no torch, and the shipped model on real faces and non-faces."""

from __future__ import annotations

import ast
import math
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.landmarks.faceness import META_KEYS, FacenessModel, faceness_crops, shipped_faceness_path

ort = pytest.importorskip("onnxruntime")
SHIPPED = shipped_faceness_path()
needs_model = pytest.mark.skipif(not SHIPPED.is_file(), reason=f"{SHIPPED} not built")


def test_crops_are_centred_upright_and_scaled_like_the_landmark_crop() -> None:
    img = np.zeros((200, 300), np.uint8)
    cv2.rectangle(img, (100, 50), (179, 129), 255, -1)  # an 80 px square "face box"
    box = np.array([[100.0, 50.0, 80.0, 80.0]])
    (crop,) = faceness_crops(img, box, None, 50, 1.25)
    inside = crop > 128
    assert inside.sum() == pytest.approx(40 * 40, rel=0.08)  # the box spans 1 / 1.25 of the crop
    ys, xs = np.nonzero(inside)
    assert abs(xs.mean() - 24.5) < 0.6 and abs(ys.mean() - 24.5) < 0.6
    # a bar along a 30 deg line comes out level when the crop is turned by its roll
    bar = np.zeros((200, 200), np.uint8)
    a = math.radians(30)
    c, d = np.array([100.0, 100.0]), np.array([math.cos(a), math.sin(a)]) * 45
    cv2.line(bar, tuple((c - d).astype(int)), tuple((c + d).astype(int)), 255, 5)
    (turned,) = faceness_crops(bar, np.array([[60.0, 60.0, 80.0, 80.0]]), np.array([30.0]), 64, 1.25)
    ys, xs = np.nonzero(turned > 128)
    assert np.ptp(ys) < 10 and np.ptp(xs) > 40


def test_the_runtime_module_imports_no_torch() -> None:
    path = Path(__file__).resolve().parents[1] / "facefilter" / "landmarks" / "faceness.py"
    tree = ast.parse(path.read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert names and not [n for n in names if n.split(".")[0] == "torch"]
    assert "facefilter.landmarks.crop" in names  # the crop geometry the landmark model uses


@needs_model
def test_scoring_does_not_load_torch_when_the_package_does_not() -> None:
    code = ("import sys, numpy as np\n"
            "from facefilter.landmarks.faceness import FacenessModel\n"
            "pre = 'torch' in sys.modules\n"
            "with FacenessModel() as m: s = m.score(np.zeros((64, 64), np.uint8), np.array([[8., 8., 40., 40.]]))\n"
            "print(pre, 'torch' in sys.modules, s.shape)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    if out[0] == "True":
        pytest.skip("facefilter.landmarks itself imports torch here (the torch-free CPU path is not in yet)")
    assert out[1:] == ["False", "(1,)"]


def test_a_missing_file_and_a_file_without_metadata_are_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.onnx"):
        FacenessModel(tmp_path / "nowhere.onnx")
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1, 4, 4])])
    path = tmp_path / "plain.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.raises(ValueError, match=f"{re.escape(str(path))}.*{META_KEYS[0]}"):
        FacenessModel(path)


@needs_model
def test_shipped_model_checks_its_input_and_closes() -> None:
    m = FacenessModel()
    assert (m.size, m.crop_scale) == (48, 1.25)
    assert m.score_crops(np.zeros((0, m.size, m.size), np.uint8)).shape == (0,)
    with pytest.raises(ValueError, match=r"\(N, 48, 48\) uint8"):
        m.score_crops(np.zeros((2, 32, 32), np.uint8))
    with pytest.raises(ValueError, match="grey frame"):
        m.score(np.zeros((64, 64, 3), np.uint8), np.array([[0.0, 0.0, 10.0, 10.0]]))
    m.close()
    with pytest.raises(RuntimeError, match="closed"):
        m.score_crops(np.zeros((1, 48, 48), np.uint8))


@needs_model
def test_shipped_model_tells_held_out_faces_from_their_surroundings(ibug_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from facefilter.data import discover, split_indices
    from facefilter.tracker import eye_roll, upright_box

    records = discover(ibug_dir).records
    _, val = split_indices(len(records), 0.1, seed=0)  # faces the classifier was not trained on
    faces, others = [], []
    with FacenessModel() as model:
        for i in val[:40]:
            rec = records[i]
            gray = cv2.imread(str(rec.image), cv2.IMREAD_GRAYSCALE)
            roll = eye_roll(rec.points)
            box = upright_box(rec.points, roll)
            faces.append(model.score(gray, box[None], np.array([roll]))[0])
            corner = np.array([[0.0, 0.0, box[2] * 0.4, box[2] * 0.4]])  # the photo's top-left corner
            eye = np.array([[*rec.points[36:42].mean(0) - box[2] * 0.15, box[2] * 0.3, box[2] * 0.3]])
            huge = np.array([[box[0] - 1.2 * box[2], box[1] - 1.2 * box[3], 3.4 * box[2], 3.4 * box[3]]])
            others += list(model.score(gray, np.concatenate([corner, eye, huge]), np.full(3, roll)))
    faces_, others_ = np.array(faces), np.array(others)
    assert (faces_ >= 0.5).mean() >= 0.9, np.sort(faces_)[:5]
    assert (others_ < 0.5).mean() >= 0.8, np.sort(others_)[-5:]


def test_the_training_tool_exports_what_the_runtime_reads(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from facefilter.tools import faceness as tool

    rng = np.random.default_rng(0)
    net = tool.make_net().eval()  # type: ignore[attr-defined]
    path = tmp_path / "f.onnx"
    tool.export(net, path)
    crops = rng.integers(0, 255, (5, tool.SIZE, tool.SIZE), dtype=np.uint8)
    with FacenessModel(path) as m:
        assert (m.size, m.crop_scale, m.mean, m.std) == (tool.SIZE, tool.CROP_SCALE, tool.MEAN, tool.STD)
        np.testing.assert_allclose(m.score_crops(crops), tool.predict(net, crops), atol=1e-5)
    face = np.full((tool.SIZE, tool.SIZE), 128, np.uint8)
    for out in (tool.occlude(face, rng), tool.photometric(face, rng), tool.positive_variant(face, rng)):
        assert out.shape == face.shape and out.dtype == np.uint8
    covered = [np.mean(tool.occlude(face, rng) != 128) for _ in range(50)]
    assert 0.05 < float(np.median(covered)) < 0.6  # a blob over part of the face, not all of it
