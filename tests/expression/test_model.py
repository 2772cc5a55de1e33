"""ExpressionModel: ONNX Runtime on the CPU (no torch), the same numbers as PyTorch, input checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from facefilter.expression import EXPRESSIONS, ExpressionModel, ExpressionModelError
from facefilter.expression.crop import fer_template
from facefilter.expression.model import WEIGHTS_NAME, shipped_path
from tests.expression.helpers import tiny_weights

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    pytest.importorskip("torch")
    from facefilter.train.expression_eval import export_onnx

    d = tmp_path_factory.mktemp("tiny")
    w = tiny_weights(d / "tiny.safetensors")
    return w, export_onnx(w, d / "tiny.onnx")


def test_onnx_matches_pytorch_and_rows_sum_to_one(tiny: tuple[Path, Path]) -> None:
    w, onnx = tiny
    rng = np.random.default_rng(0)
    crops = rng.integers(0, 256, (5, 48, 48)).astype(np.uint8)
    a = ExpressionModel.load(onnx, device="cpu").predict_crops(crops)
    b = ExpressionModel.load(w, device="cpu").predict_crops(crops)  # .safetensors: PyTorch
    assert a.shape == (5, len(EXPRESSIONS)) and a.dtype == np.float32
    np.testing.assert_allclose(a.sum(1), 1, atol=1e-5)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert ExpressionModel.load(onnx).predict_crops(np.zeros((0, 48, 48), np.uint8)).shape == (0, 8)


def test_flip_test_averages_the_mirror(tiny: tuple[Path, Path]) -> None:
    _, onnx = tiny
    rng = np.random.default_rng(1)
    crops = rng.integers(0, 256, (3, 48, 48)).astype(np.uint8)
    plain = ExpressionModel.load(onnx)
    flip = ExpressionModel.load(onnx, flip_test=True)
    want = (plain.predict_crops(crops) + plain.predict_crops(crops[:, :, ::-1].copy())) / 2
    np.testing.assert_allclose(flip.predict_crops(crops), want, atol=1e-6)


def test_predict_crops_each_face_from_its_landmarks(tiny: tuple[Path, Path]) -> None:
    _, onnx = tiny
    model = ExpressionModel.load(onnx)
    rng = np.random.default_rng(2)
    frame = rng.integers(0, 256, (240, 320, 3)).astype(np.uint8)
    t = fer_template()
    faces = [(t + 0.5) * 2 - 0.5 + (20, 30), (t + 0.5) * 3 - 0.5 + (150, 40)]
    from facefilter.expression.crop import fer_crops

    got = model.predict(frame, faces)
    np.testing.assert_allclose(got, model.predict_crops(fer_crops(frame, np.stack(faces))), atol=1e-6)
    assert model.predict(frame, []).shape == (0, 8)


def test_errors_name_the_file_and_the_shape(tmp_path: Path, tiny: tuple[Path, Path]) -> None:
    _, onnx = tiny
    with pytest.raises(ValueError, match=r"\(N, 48, 48\) uint8"):
        ExpressionModel.load(onnx).predict_crops(np.zeros((2, 64, 64), np.uint8))
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a graph")
    with pytest.raises(ExpressionModelError, match=r"bad\.onnx"):
        ExpressionModel.load(bad)
    with pytest.raises(ExpressionModelError, match="not found"):
        ExpressionModel.load(tmp_path / "missing.onnx")
    with pytest.raises(ValueError, match="device"):
        ExpressionModel.load(onnx, device="tpu")


@pytest.mark.skipif(not shipped_path("expression.onnx").is_file(), reason="models/expression.onnx not built yet")
def test_the_shipped_model_runs_on_the_cpu_without_torch() -> None:
    code = (
        "import sys, numpy as np\n"
        "from facefilter.expression import ExpressionModel\n"
        "m = ExpressionModel.load()\n"
        "p = m.predict_crops(np.full((2, 48, 48), 128, np.uint8))\n"
        "print(p.shape, round(float(p.sum()), 3), 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True,
                         cwd=REPO)
    assert out.stdout.strip() == "(2, 8) 2.0 False", out.stdout + out.stderr


@pytest.mark.skipif(not shipped_path(WEIGHTS_NAME).is_file(), reason="models/expression.safetensors not built yet")
def test_the_shipped_onnx_graph_is_the_shipped_weights() -> None:
    pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    crops = rng.integers(0, 256, (4, 48, 48)).astype(np.uint8)
    a = ExpressionModel.load(device="cpu").predict_crops(crops)
    b = ExpressionModel.load(shipped_path(WEIGHTS_NAME), device="cpu").predict_crops(crops)
    np.testing.assert_allclose(a, b, atol=1e-4)
