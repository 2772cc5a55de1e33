"""The gallery grid, the benchmark script and the artwork generator (quick, synthetic inputs)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.bench import filters as bench
from facefilter.filters import builtin_filters
from facefilter.filters.geometry import template_face
from facefilter.tools import gallery
from facefilter.tools.art import build as artwork
from tests.conftest import draw_face


def test_gallery_grid_layout() -> None:
    lm = template_face((100.0, 90.0), 50.0)
    faces = [
        gallery.GalleryFace("a", draw_face(lm, (200, 200)), lm),
        gallery.GalleryFace("b", draw_face(lm, (200, 200)), lm),
    ]
    filters = {k: v for k, v in builtin_filters().items() if k in ("sunglasses", "crown")}
    grid = gallery.make_grid(filters, faces, cell=64)
    assert grid.shape == (gallery.HEADER_HEIGHT + 3 * 64, gallery.LABEL_WIDTH + 2 * 64, 3)


@pytest.mark.slow
def test_gallery_main_writes_png(shared_data: Path, tmp_path: Path) -> None:
    assert (
        gallery.main(["--out", str(tmp_path), "--data", str(shared_data), "--cell", "48", "--only", "moustache"]) == 0
    )
    img = cv2.imread(str(tmp_path / "gallery.png"))
    assert img is not None and img.shape[0] == gallery.HEADER_HEIGHT + 2 * 48


def test_gallery_main_without_data(tmp_path: Path) -> None:
    assert gallery.main(["--out", str(tmp_path), "--data", str(tmp_path / "nothing")]) == 1


def test_bench_prints_every_filter(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--repeats", "1", "--size", "320x240"]) == 0
    out = capsys.readouterr().out
    for name in builtin_filters():
        assert f"\n{name} " in out
    assert "worst ms per face per layer" in out


def test_artwork_is_deterministic_and_matches_the_shipped_png() -> None:
    art = artwork.draw_clown_nose()
    again = artwork.draw_clown_nose()
    np.testing.assert_array_equal(art.layers[0].image, again.layers[0].image)
    shipped = cv2.imread(str(Path(artwork.default_out()) / "clown_nose" / "nose.png"), cv2.IMREAD_UNCHANGED)
    assert np.abs(shipped.astype(int) - art.layers[0].image).max() <= 1
