"""facefilter-train end to end on a handful of real faces: checkpoint, resume, load, predict; bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from safetensors import safe_open

from facefilter.landmarks import LandmarkModel
from facefilter.landmarks.model import ARCH_SOFT, LandmarkNet
from facefilter.landmarks.weights import load_network
from facefilter.train import cli, evaluate, loop
from facefilter.train.config import TrainConfig

TINY = ["--limit", "20", "--batch-size", "4", "--max-steps", "2", "--input-size", "64", "--device", "cpu", "-q"]


@pytest.fixture(scope="module")
def trained(ibug_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    assert cli.main(["--data", str(ibug_dir), "--out", str(out), "--epochs", "2", *TINY]) == 0
    return out


def test_run_folder_has_checkpoint_plots_and_config(trained: Path) -> None:
    for name in ("last.pt", "best.safetensors", "config.json", "history.json", "loss_curve.png", "samples.png"):
        assert (trained / name).is_file(), name
    config = json.loads((trained / "config.json").read_text())
    assert config["input_size"] == 64 and config["loss"] == "l1" and config["limit"] == 20
    history = json.loads((trained / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2]
    assert all(np.isfinite(h["train_loss"]) and np.isfinite(h["val_nme"]) for h in history)


def best_epoch(weights: Path) -> int:
    with safe_open(str(weights), framework="pt") as f:
        return int(f.metadata()["epoch"])


def test_best_weights_are_the_epoch_with_the_lowest_flip_test_nme(trained: Path) -> None:
    history = json.loads((trained / "history.json").read_text())
    expected = min(history, key=lambda h: h["val_nme_flip"])["epoch"]
    assert best_epoch(trained / "best.safetensors") == expected
    assert json.loads((trained / "config.json").read_text())["select"] == "val_nme_flip"


@pytest.mark.parametrize(("select", "expected"), [("val_nme_flip", 2), ("val_nme", 1)])
def test_select_picks_the_best_epoch_by_that_figure(
    select: str, expected: int, ibug_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scripted validation figures that disagree: epoch 1 is best without flip-test, epoch 2 with it."""
    real = loop.validate
    scripted = iter([(5.0, 6.0), (6.0, 4.0)])

    def validate(*args: object, **kwargs: object) -> dict:
        v = real(*args, **kwargs)
        v["val_nme"], v["val_nme_flip"] = next(scripted)
        return v

    monkeypatch.setattr(loop, "validate", validate)
    out = tmp_path / "run"
    assert cli.main(["--data", str(ibug_dir), "--out", str(out), "--epochs", "2", "--select", select, *TINY]) == 0
    assert best_epoch(out / "best.safetensors") == expected


def test_select_option_and_runs_saved_before_it(tmp_path: Path) -> None:
    args = cli.build_parser().parse_args(["--data", "x", "--select", "val_nme", "--out", str(tmp_path)])
    assert cli.config_from_args(args).select == "val_nme"
    with pytest.raises(ValueError, match="select"):
        TrainConfig(select="val_loss")
    # A run folder from before the option kept its best checkpoint by NME without flip-test: resuming it
    # must keep comparing the same figure.
    legacy = {k: v for k, v in asdict(TrainConfig(data=["x"])).items() if k != "select"}
    (tmp_path / "config.json").write_text(json.dumps(legacy))
    assert TrainConfig.load(tmp_path / "config.json").select == "val_nme"


def test_checkpoint_loads_and_predicts(trained: Path, ibug_dir: Path) -> None:
    image = cv2.imread(str(next((ibug_dir / "afw").glob("*.jpg"))))
    for weights in ("best.safetensors", "last.pt"):
        model = LandmarkModel.load(trained / weights, device="cpu")
        assert model.config.input_size == 64
        out = model.predict(image, np.array([[96, 100, 190, 180]]))
        assert out.shape == (1, 68, 2) and np.isfinite(out).all()


def test_resume_continues_where_it_stopped(trained: Path, ibug_dir: Path) -> None:
    before = torch.load(trained / "last.pt", weights_only=True)
    assert cli.main(["--out", str(trained), "--resume", "--epochs", "3", "-q"]) == 0
    after = torch.load(trained / "last.pt", weights_only=True)
    assert before["epoch"] == 2 and after["epoch"] == 3
    assert [h["epoch"] for h in after["history"]] == [1, 2, 3]
    assert after["history"][:2] == before["history"]
    # The resumed run kept the saved options, not the defaults.
    assert json.loads((trained / "config.json").read_text())["input_size"] == 64


def test_ema_is_a_moving_average_of_weights_and_batch_norm_statistics() -> None:
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    ema = loop.make_ema(net, 0.9)
    ema.update_parameters(net)  # the first update copies
    w0, m0 = net[0].weight.detach().clone(), net[1].running_mean.clone()
    with torch.no_grad():
        net[0].weight.add_(1.0)
        net[1].running_mean.add_(2.0)
    ema.update_parameters(net)
    torch.testing.assert_close(ema.module[0].weight, w0 + 0.1)
    torch.testing.assert_close(ema.module[1].running_mean, m0 + 0.2)
    with pytest.raises(ValueError, match="ema"):
        TrainConfig(ema=1.0)


def test_ema_run_saves_the_average_logs_the_raw_figures_and_resumes_the_average(
    ibug_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ema"
    assert cli.main(["--data", str(ibug_dir), "--out", str(out), "--epochs", "1", "--ema", "0.5", *TINY]) == 0
    ckpt = torch.load(out / "last.pt", weights_only=True)
    assert int(ckpt["ema"]["n_averaged"]) == 2  # one per step
    best, _ = load_network(out / "best.safetensors")  # epoch 1 is the best so far: the average, not the raw
    name = "backbone.layer4.1.conv2.weight"
    saved = best.state_dict()[name]  # stored in half precision
    torch.testing.assert_close(saved, ckpt["ema"][f"module.{name}"], atol=1e-4, rtol=1e-3)
    assert float((saved - ckpt["model"][name]).abs().max()) > 2e-4
    # Loading the checkpoint gives the average too, as evaluated and kept.
    torch.testing.assert_close(load_network(out / "last.pt")[0].state_dict()[name], ckpt["ema"][f"module.{name}"])
    row = ckpt["history"][0]
    assert np.isfinite(row["raw_val_nme"]) and row["raw_val_nme"] != row["val_nme"]
    assert cli.main(["--out", str(out), "--resume", "--epochs", "2", "-q"]) == 0
    resumed = torch.load(out / "last.pt", weights_only=True)
    assert int(resumed["ema"]["n_averaged"]) == 4 and "raw_val_nme_flip" in resumed["history"][1]


def test_init_starts_from_given_weights(trained: Path, ibug_dir: Path, tmp_path: Path) -> None:
    """A fine-tune with a negligible learning rate still holds the source weights after its steps."""
    out = tmp_path / "ft"
    args = ["--data", str(ibug_dir), "--out", str(out), "--epochs", "1", "--lr", "1e-12", *TINY]
    assert cli.main([*args, "--init", str(trained / "best.safetensors")]) == 0
    source, _ = load_network(trained / "best.safetensors")
    tuned = torch.load(out / "last.pt", weights_only=True)["model"]
    for name in ("backbone.conv1.weight", "backbone.layer3.0.conv1.weight", "backbone.fc.weight"):
        torch.testing.assert_close(tuned[name], source.state_dict()[name], atol=1e-6, rtol=0)
    fresh = LandmarkNet().state_dict()["backbone.fc.weight"]
    assert not torch.allclose(fresh, tuned["backbone.fc.weight"])


def test_init_from_the_other_head_copies_the_backbone(trained: Path, ibug_dir: Path, tmp_path: Path) -> None:
    """fc weights -> soft-argmax network: backbone copied, head from scratch, the config records the head."""
    out = tmp_path / "soft"
    args = ["--data", str(ibug_dir), "--out", str(out), "--epochs", "1", "--lr", "1e-12", "--arch", ARCH_SOFT, *TINY]
    assert cli.main([*args, "--init", str(trained / "best.safetensors")]) == 0
    source = load_network(trained / "best.safetensors")[0].state_dict()
    tuned = torch.load(out / "last.pt", weights_only=True)["model"]
    assert "backbone.fc.weight" not in tuned and "head.out.weight" in tuned
    for name in ("backbone.conv1.weight", "backbone.layer4.1.conv2.weight"):
        torch.testing.assert_close(tuned[name], source[name], atol=1e-6, rtol=0)
    net, cfg = load_network(out / "best.safetensors")
    assert cfg.arch == ARCH_SOFT and net.arch == ARCH_SOFT
    assert json.loads((out / "config.json").read_text())["arch"] == ARCH_SOFT


def test_reference_recipe_options(tmp_path: Path) -> None:
    args = cli.build_parser().parse_args(["--data", "x", "--recipe", "reference", "--out", str(tmp_path)])
    cfg = cli.config_from_args(args)
    assert (cfg.input_size, cfg.loss, cfg.optimizer, cfg.lr, cfg.schedule, cfg.flip) == (
        224, "mse", "adam", 1e-4, "constant", 0.0)
    args = cli.build_parser().parse_args(["--data", "x", "--recipe", "reference", "--loss", "l1", "--out", "o"])
    assert cli.config_from_args(args).loss == "l1"  # explicit options win


def test_empty_dataset_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--data", str(tmp_path), "--out", str(tmp_path / "o"), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}: no usable annotated faces found" in err and "Traceback" not in err


def test_eval_bad_weights_is_one_clear_error(tmp_path: Path, ibug_dir: Path) -> None:
    bad = tmp_path / "w.safetensors"
    bad.write_bytes(b"\x00" * 100)
    proc = subprocess.run(
        [sys.executable, "-m", "facefilter.train.evaluate", "--data", str(ibug_dir), "--weights", str(bad)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert f"{bad}: not a readable safetensors file" in proc.stderr and "Traceback" not in proc.stderr


def test_eval_scores_a_few_faces(trained: Path, ibug_dir: Path, tmp_path: Path) -> None:
    model = LandmarkModel.load(trained / "best.safetensors", device="cpu")
    from facefilter.data import discover

    records = discover(ibug_dir).records[:4]
    result, errors = evaluate.evaluate(model, records)
    assert result.faces == 4 and errors.shape == (4,)
    assert result.nme == pytest.approx(errors.mean() * 100)
    assert 0 <= result.auc <= 1 and result.median_ms_per_face > 0
    assert sum(n for _, n in result.by_collection.values()) == 4
    assert result.crops == 1 and result.networks == 1
    multi, _ = evaluate.evaluate(LandmarkModel.load(trained / "best.safetensors", device="cpu", multi_crop=True),
                                 records[:2])
    assert multi.crops == 7


def test_eval_crop_options() -> None:
    parse = evaluate.build_parser().parse_args
    assert parse(["--data", "d"]).multi_crop is None  # LandmarkModel.load's default: on for the shipped weights
    assert parse(["--data", "d", "--multi-crop"]).multi_crop is True
    assert parse(["--data", "d", "--one-crop"]).multi_crop is False
    with pytest.raises(SystemExit):
        parse(["--data", "d", "--one-crop", "--multi-crop"])


def test_eval_resize_and_noise(trained: Path, ibug_dir: Path) -> None:
    from facefilter.data import discover

    parse = evaluate.build_parser().parse_args
    args = parse(["--data", "d", "--resize", "4", "--noise", "12.5"])
    assert (args.resize, args.noise) == (4.0, 12.5)
    for bad in (["--resize", "0"], ["--resize", "nan"], ["--noise", "-1"]):
        with pytest.raises(SystemExit):
            parse(["--data", "d", *bad])
    model = LandmarkModel.load(trained / "best.safetensors", device="cpu")
    result, errors = evaluate.evaluate(model, discover(ibug_dir).records[:2], resize=2.5, noise=6)
    assert (result.faces, result.resize, result.noise) == (2, 2.5, 6) and np.isfinite(errors).all()


@pytest.mark.parametrize("factor", [2.5, 0.4, 1.0])
def test_rescale_moves_the_points_with_the_image(factor: float) -> None:
    points = np.array([[40.0, 50.0], [150.25, 90.5], [99.0, 160.0]])
    yy, xx = np.mgrid[0:200, 0:220].astype(np.float32)
    image = np.zeros((200, 220), np.float32)
    for x, y in points:
        image += 250 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 6.0**2))
    image = cv2.cvtColor(image.astype(np.uint8), cv2.COLOR_GRAY2BGR)
    out, moved = evaluate.rescale(image, points, factor, 0.0, np.random.default_rng(0))
    assert out.shape[:2] == (round(200 * factor), round(220 * factor))
    grey = out[..., 0].astype(np.float64)
    gy, gx = np.mgrid[0 : grey.shape[0], 0 : grey.shape[1]]
    for p in moved:
        win = grey * ((np.abs(gx - p[0]) <= 18 * factor) & (np.abs(gy - p[1]) <= 18 * factor))
        found = np.array([(win * gx).sum(), (win * gy).sum()]) / win.sum()
        assert np.linalg.norm(found - p) < 0.1 * max(factor, 1), (found, p)
    grey_image = np.full((50, 60, 3), 128, np.uint8)
    noisy, same = evaluate.rescale(grey_image, points, 1.0, 10.0, np.random.default_rng(0))
    assert np.array_equal(same, points) and 9 < np.std(noisy.astype(float) - grey_image) < 11


def test_collection_names_are_the_first_folder_below_the_shared_one() -> None:
    images = [Path("/d/afw/1.jpg"), Path("/d/helen/trainset/2.jpg"), Path("/d/lfpw/trainset/3.jpg")]
    assert evaluate.collection_names(images) == ["afw", "helen", "lfpw"]
    assert evaluate.collection_names([Path("/d/x/1.jpg"), Path("/d/x/2.jpg")]) == ["x", "x"]


def test_by_collection_means() -> None:
    errors = np.array([0.02, 0.04, 0.05, 0.01])
    groups = ["helen", "afw", "helen", "lfpw"]
    assert evaluate.by_collection(errors, groups) == {
        "afw": (pytest.approx(4.0), 1), "helen": (pytest.approx(3.5), 2), "lfpw": (pytest.approx(1.0), 1)}


@pytest.mark.slow
def test_torchrun_two_cpu_processes(ibug_dir: Path, tmp_path: Path) -> None:
    """The same command under torchrun (gloo, 2 processes); rank 0 writes the one checkpoint."""
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29517",
         "-m", "facefilter.train.cli", "--data", str(ibug_dir), "--out", str(out), "--epochs", "1", *TINY],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    ckpt = torch.load(out / "last.pt", weights_only=True)
    assert ckpt["epoch"] == 1
    # 2 ranks x 2 steps x batch 4 = 16 images in the epoch.
    assert ckpt["history"][0]["train_images_per_s"] > 0
