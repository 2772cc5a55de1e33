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


def test_gallery_background_rows_fill_behind_the_person() -> None:
    from facefilter.background import FakeSegmenter

    lm = template_face((100.0, 90.0), 50.0)
    face = gallery.GalleryFace("a", draw_face(lm, (200, 200)), lm)
    person = np.zeros((200, 200), np.float32)
    cv2.fillConvexPoly(person, cv2.convexHull(np.round(lm).astype(np.int32)), 1.0)
    grid = gallery.make_grid({}, [face], cell=64, backgrounds=["color:#00FF00"], segmenter=FakeSegmenter(person))
    h, x = gallery.HEADER_HEIGHT, gallery.LABEL_WIDTH
    assert grid.shape == (h + 2 * 64, x + 64, 3)
    plain, green = grid[h : h + 64, x:], grid[h + 64 :, x:]
    assert tuple(green[5, 5]) == (0, 255, 0)  # the grey padding and the room: the colour
    assert tuple(plain[5, 5]) != (0, 255, 0)
    np.testing.assert_array_equal(green[44:48, 30:34], plain[44:48, 30:34])  # the face (landmarks' centre) as it was


@pytest.mark.slow
def test_gallery_main_writes_png(shared_data: Path, tmp_path: Path) -> None:
    assert (
        gallery.main(["--out", str(tmp_path), "--data", str(shared_data), "--cell", "48", "--only", "moustache",
                      "--backgrounds"]) == 0
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
    assert "worst ms per face of the face swaps" in out  # their own target (6 ms per face)


def test_artwork_is_deterministic_and_matches_the_shipped_png() -> None:
    art = artwork.draw_clown_nose()
    again = artwork.draw_clown_nose()
    np.testing.assert_array_equal(art.layers[0].image, again.layers[0].image)
    shipped = cv2.imread(str(Path(artwork.default_out()) / "clown_nose" / "nose.png"), cv2.IMREAD_UNCHANGED)
    assert np.abs(shipped.astype(int) - art.layers[0].image).max() <= 1
