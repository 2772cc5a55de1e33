"""The network's two heads: shapes, the soft-argmax convention, ONNX export, flip symmetry."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from facefilter.landmarks.model import ARCH_FC, ARCH_SOFT, ARCHS, LandmarkNet, soft_argmax


@pytest.mark.parametrize("arch", ARCHS)
def test_output_shape_for_each_head(arch: str) -> None:
    net = LandmarkNet(arch=arch).eval()
    with torch.no_grad():
        out = net(torch.randn(3, 1, 96, 96))
    assert out.shape == (3, 68, 2) and out.dtype == torch.float32


def test_unknown_head_and_bad_input_are_refused() -> None:
    with pytest.raises(ValueError, match="arch must be one of"):
        LandmarkNet(arch="vgg")
    with pytest.raises(ValueError, match=r"expects \(B, 1, S, S\) input, got \(1, 3, 64, 64\)"):
        LandmarkNet(arch=ARCH_SOFT)(torch.zeros(1, 3, 64, 64))


def test_soft_head_starts_at_the_crop_centre() -> None:
    """Zero-initialised output layer: uniform probabilities and no offsets put every point at (0, 0)."""
    net = LandmarkNet(arch=ARCH_SOFT).eval()
    with torch.no_grad():
        out = net(torch.randn(2, 1, 160, 160))
    torch.testing.assert_close(out, torch.zeros(2, 68, 2), atol=1e-6, rtol=0)


def test_soft_argmax_peaked_cell_plus_offset() -> None:
    """A sharp peak at row r, column c with offset (dx, dy) cells lands at that cell's centre + offset."""
    p, h, w = 2, 4, 5
    maps = torch.zeros(1, 3 * p, h, w)
    maps[0, 0, 1, 3] = 50.0  # point 0: row 1, column 3
    maps[0, p + 0, 1, 3], maps[0, p + 1, 1, 3] = 0.25, -0.5  # its x, y offsets in cells
    maps[0, 1, 3, 0] = 50.0  # point 1: row 3, column 0, no offset
    pts = soft_argmax(maps, p)[0].numpy()
    np.testing.assert_allclose(pts[0], [(3 + 0.5 + 0.25) / w - 0.5, (1 + 0.5 - 0.5) / h - 0.5], atol=1e-6)
    np.testing.assert_allclose(pts[1], [(0 + 0.5) / w - 0.5, (3 + 0.5) / h - 0.5], atol=1e-6)


def test_soft_argmax_two_equal_peaks_average() -> None:
    maps = torch.full((1, 3, 2, 2), 0.0)
    maps[0, 0, 0, 0] = maps[0, 0, 1, 1] = 40.0
    np.testing.assert_allclose(soft_argmax(maps, 1)[0, 0].numpy(), [0.0, 0.0], atol=1e-6)
    with pytest.raises(ValueError, match=r"expects \(B, 6, H, W\) maps, got \(1, 3, 2, 2\)"):
        soft_argmax(maps, 2)


def test_soft_head_grid_is_mirror_symmetric() -> None:
    """Mirroring the maps left-right mirrors x (the flip-test relies on it)."""
    torch.manual_seed(0)
    maps = torch.randn(2, 3 * 4, 10, 10)
    mirrored = maps.flip(-1)
    mirrored[:, 4::2] = -mirrored[:, 4::2]  # x offsets change sign
    a, b = soft_argmax(maps, 4), soft_argmax(mirrored, 4)
    torch.testing.assert_close(b[..., 0], -a[..., 0], atol=1e-6, rtol=0)
    torch.testing.assert_close(b[..., 1], a[..., 1], atol=1e-6, rtol=0)


@pytest.mark.parametrize("arch", [ARCH_FC, ARCH_SOFT])
def test_onnx_export_matches_pytorch(arch: str) -> None:
    from facefilter.landmarks.onnx import OnnxNet, export_onnx

    torch.manual_seed(1)
    net = LandmarkNet(arch=arch).eval()
    if arch == ARCH_SOFT:
        torch.nn.init.normal_(net.head.out.weight, std=0.05)  # make the maps non-trivial
    x = torch.randn(3, 1, 96, 96)
    with torch.no_grad():
        ref = net(x)
    onnx_net = OnnxNet(export_onnx(net, 96), 68, threads=1)
    torch.testing.assert_close(onnx_net(x), ref, atol=1e-4, rtol=1e-4)
