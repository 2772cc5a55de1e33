"""Training and evaluation commands for expressions, on a tiny fake FER+ archive."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from facefilter.expression.net import ExpressionNet, init_from_wider  # noqa: E402
from facefilter.train import cli  # noqa: E402
from facefilter.train.expression_data import (  # noqa: E402
    AugmentConfig,
    augment,
    load_ferplus,
    majority_labels,
)
from facefilter.train.expression_eval import fit_fer2013_prior  # noqa: E402
from facefilter.train.expression_train import fer2013_predictions, soft_cross_entropy  # noqa: E402
from tests.expression.helpers import fake_ferplus  # noqa: E402


def test_the_majority_rule() -> None:
    votes = np.array([
        [6, 2, 1, 1, 0, 0, 0, 0, 0, 0],  # single votes dropped: 6 of 8 -> neutral
        [4, 4, 0, 0, 0, 0, 0, 0, 2, 0],  # no class over half
        [0, 0, 0, 0, 0, 0, 0, 0, 9, 1],  # unknown wins: dropped
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],  # every vote single: dropped
        [0, 0, 3, 0, 0, 0, 0, 3, 0, 2],  # 3 of 8, not over half
        [0, 0, 0, 0, 0, 0, 0, 5, 0, 3],  # contempt 5 of 8
    ], np.uint8)  # fmt: skip
    keep, label, soft = majority_labels(votes)
    assert keep.tolist() == [True, False, False, False, False, True]
    assert label[0] == 0 and label[5] == 7
    np.testing.assert_allclose(soft[0], [6 / 8, 2 / 8, 0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(soft[3], 0)
    with pytest.raises(ValueError, match=r"\(N, 10\)"):
        majority_labels(np.zeros((2, 8)))


def test_soft_cross_entropy_is_that_of_the_vote_distribution() -> None:
    logits = torch.tensor([[2.0, 0.0, -1.0]])
    t = torch.tensor([[0.5, 0.5, 0.0]])
    want = -(0.5 * torch.log_softmax(logits, 1)[0, 0] + 0.5 * torch.log_softmax(logits, 1)[0, 1])
    assert float(soft_cross_entropy(logits, t)) == pytest.approx(float(want))


def test_augment_keeps_shape_and_mirrors() -> None:
    g = torch.Generator().manual_seed(0)
    img = torch.zeros(2, 48, 48, dtype=torch.uint8)
    img[:, :, :10] = 255  # bright left edge
    none = AugmentConfig(flip=1.0, rotation=0, scale=0, shift=0, brightness=0, contrast=0, erase=0)
    x = augment(img, 48, 0.5, 0.25, none, g)
    assert x.shape == (2, 1, 48, 48)
    assert float(x[0, 0, :, -5:].mean()) > 1.5 and float(x[0, 0, :, :5].mean()) < -1.5  # now on the right
    y = augment(img, 64, 0.5, 0.25, AugmentConfig(), g)
    assert y.shape == (2, 1, 64, 64) and torch.isfinite(y).all()


def test_pruning_a_wider_resnet_copies_its_strongest_channels() -> None:
    wide = ExpressionNet(16)
    with torch.no_grad():
        for m in wide.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.1, 1.0)
    narrow = ExpressionNet(8)
    sd = wide.state_dict()
    assert init_from_wider(narrow, sd) == len([k for k in narrow.state_dict() if "fc" not in k])
    ns = narrow.state_dict()
    score = sd["backbone.bn1.weight"].abs() + sum(sd[f"backbone.layer1.{b}.bn2.weight"].abs() for b in "01")
    keep = torch.argsort(score, descending=True)[:8].sort().values
    torch.testing.assert_close(ns["backbone.conv1.weight"], sd["backbone.conv1.weight"][keep])
    inner = torch.argsort(sd["backbone.layer1.0.bn1.weight"].abs(), descending=True)[:8].sort().values
    want = sd["backbone.layer1.0.conv1.weight"][inner][:, keep]
    torch.testing.assert_close(ns["backbone.layer1.0.conv1.weight"], want)
    assert narrow(torch.zeros(1, 1, 48, 48)).shape == (1, 8)


def test_fer2013_prior_fits_a_shifted_class() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 7, 500)
    p = np.full((500, 7), 0.1)
    p[np.arange(500), labels] = 0.3
    p[:, 6] = 0.35  # "neutral" over-predicted everywhere
    assert (p.argmax(1) == labels).mean() < 0.2
    w = fit_fer2013_prior(p / p.sum(1, keepdims=True), labels)
    assert ((np.log(p) + w).argmax(1) == labels).mean() == 1.0
    assert fer2013_predictions(np.eye(8)[[1, 7, 4]]).tolist() == [3, 0, 0]  # happiness -> FER-2013 happy


def test_train_resume_and_evaluate_end_to_end(tmp_path: Path) -> None:
    data = fake_ferplus(tmp_path)
    train = load_ferplus(data, "train")
    assert len(train) < 32 and train.images.shape[1:] == (48, 48)
    out = tmp_path / "run"
    args = ["expressions", "--data", str(tmp_path), "--out", str(out), "--epochs", "1", "--batch-size", "8",
            "--width", "8", "--init", "", "--threads", "1", "-q"]
    assert cli.main(args) == 0
    for name in ("config.json", "history.json", "loss.png", "last.pt", "best.safetensors"):
        assert (out / name).is_file(), name
    assert json.loads((out / "config.json").read_text())["width"] == 8
    assert cli.main(["--task", "expression", "--out", str(out), "--resume", "--epochs", "2", "-q"]) == 0
    hist = json.loads((out / "history.json").read_text())
    assert [h["epoch"] for h in hist] == [1, 2] and all(0 <= h["val_acc"] <= 100 for h in hist)

    from facefilter.train import evaluate

    onnx = tmp_path / "e.onnx"
    assert evaluate.main(["expressions", "--export", str(onnx), "--weights", str(out / "best.safetensors")]) == 0
    ev = tmp_path / "eval"
    assert evaluate.main(["expressions", "--data", str(tmp_path), "--weights", str(onnx), "--split", "valid",
                          "--flip", "--fer2013-prior", "valid", "--out", str(ev)]) == 0
    res = json.loads((ev / "results.json").read_text())
    assert (ev / "confusion.png").is_file()
    assert res["ferplus_faces"] == int(load_ferplus(data, "valid").majority.size)
    assert sum(map(sum, res["confusion_ferplus"])) == res["ferplus_faces"]
    assert 0 <= res["ferplus_accuracy"] <= 100 and "fer2013_accuracy_prior" in res


def test_the_landmark_cli_is_unchanged() -> None:
    with pytest.raises(SystemExit):  # the landmark trainer's own parser still answers --help
        cli.main(["--help"])
