"""The background benchmark's measuring helpers (the benchmark itself is not a test): the hull and
edge band it scores on, and a short run on real faces that must print every figure."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.bench import background as bench
from tests.conftest import mean_face_points


def test_hull_mask_maps_photo_points_into_the_frame() -> None:
    pts = mean_face_points(center=(192.0, 192.0), iod=100.0)  # in a 384-px photo
    hull = bench.hull_mask(pts, bench.PHOTO / 384, 0)
    assert hull.shape == (480, 640) and hull.dtype == bool
    _, xs = np.nonzero(hull)
    assert abs(xs.mean() - (bench.X0 + 240)) < 10  # the photo's centre, 480 px wide from X0
    assert hull[:, : bench.X0].sum() == 0


def test_edge_band_surrounds_the_contour() -> None:
    mask = np.zeros((100, 100), np.float32)
    mask[30:70, 30:70] = 1.0
    band = bench.edge_band(mask, half_width=3)
    assert band[27, 50] and band[30, 50] and band[32, 50]  # 3 px either side of the top edge
    assert not band[50, 50] and not band[5, 5]  # not deep inside, not far outside
    assert band.sum() == 46 * 46 - 34 * 34


@pytest.mark.slow
def test_bench_prints_every_figure(ibug_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "figures.json"
    assert bench.main(["--data", str(ibug_dir), "--faces", "4", "--clips", "1", "--frames", "6", "--repeats", "4",
                       "--json", str(out)]) == 0
    text = capsys.readouterr().out
    for part in ("speed, ms per frame", "coverage on 4 faces", "edge flicker", "fast move"):
        assert part in text
    figures = json.loads(out.read_text())
    cov = figures["coverage_pct"]["landscape, refined"]
    assert 0 <= cov["hull_mean"] <= 100 and cov["hull_mean"] > 50
    assert set(figures["ghosting_pct"]) == set(bench.EFFECTS)


@pytest.mark.slow
def test_demo_clip(ibug_dir: Path, tmp_path: Path) -> None:
    path = bench.write_demo_clip(tmp_path / "clip.avi", ibug_dir, seconds=0.5)
    cap = cv2.VideoCapture(str(path))
    ok, frame = cap.read()
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert ok and frame.shape == (480, 640, 3) and n == 15
