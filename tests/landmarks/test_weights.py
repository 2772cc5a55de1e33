"""Weights files: round trip, and one clear error for every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from facefilter.landmarks.model import ARCH_SOFT, LandmarkNet
from facefilter.landmarks.weights import ModelConfig, WeightsError, load_network, save_weights


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LandmarkNet]:
    torch.manual_seed(0)
    net = LandmarkNet().eval()
    path = tmp_path_factory.mktemp("w") / "w.safetensors"
    save_weights(net, ModelConfig(input_size=96, crop_scale=1.3), path)
    return path, net


def test_round_trip_keeps_config_and_outputs(saved: tuple[Path, LandmarkNet]) -> None:
    path, net = saved
    loaded, cfg = load_network(path)
    assert cfg.input_size == 96 and cfg.crop_scale == 1.3
    x = torch.randn(2, 1, 96, 96)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net(x), atol=2e-2, rtol=2e-2)  # fp16 storage


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match=r"nope\.safetensors: weights file not found"):
        load_network(tmp_path / "nope.safetensors")


def test_truncated_file(saved: tuple[Path, LandmarkNet], tmp_path: Path) -> None:
    bad = tmp_path / "cut.safetensors"
    bad.write_bytes(saved[0].read_bytes()[:5000])
    with pytest.raises(WeightsError, match=r"cut\.safetensors: not a readable safetensors file"):
        load_network(bad)


def test_truncated_checkpoint(tmp_path: Path) -> None:
    bad = tmp_path / "cut.pt"
    bad.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(WeightsError, match=r"cut\.pt: not a readable PyTorch checkpoint"):
        load_network(bad)


def test_wrong_shape_names_the_tensor(tmp_path: Path) -> None:
    state = {k: v.clone() for k, v in LandmarkNet().state_dict().items()}
    state["backbone.conv1.weight"] = torch.zeros(64, 3, 7, 7)  # an RGB network
    save_file(state, str(tmp_path / "rgb.safetensors"))
    expected = r"backbone\.conv1\.weight has shape \(64, 3, 7, 7\), expected \(64, 1, 7, 7\)"
    with pytest.raises(WeightsError, match=expected):
        load_network(tmp_path / "rgb.safetensors")


def test_foreign_weights(tmp_path: Path) -> None:
    save_file({"w": torch.zeros(3)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(WeightsError, match=r"missing \d+ tensors"):
        load_network(tmp_path / "other.safetensors")


def test_soft_head_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net = LandmarkNet(arch=ARCH_SOFT).eval()
    torch.nn.init.normal_(net.head.out.weight, std=0.05)
    save_weights(net, ModelConfig(input_size=64, arch=ARCH_SOFT), tmp_path / "soft.safetensors")
    loaded, cfg = load_network(tmp_path / "soft.safetensors")
    assert cfg.arch == ARCH_SOFT and loaded.arch == ARCH_SOFT
    x = torch.randn(2, 1, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net(x), atol=2e-2, rtol=2e-2)


def test_unknown_network_names_file_and_arch(tmp_path: Path) -> None:
    save_weights(LandmarkNet(), ModelConfig(arch="resnet50-rgb"), tmp_path / "new.safetensors")
    with pytest.raises(WeightsError, match=r"new\.safetensors: unknown network 'resnet50-rgb'"):
        load_network(tmp_path / "new.safetensors")
