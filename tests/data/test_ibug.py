"""300-W loaders: .pts (both forms), labels XML, the official layout, bad input and the split."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.data import (
    DatasetError,
    discover,
    parse_labels_xml,
    parse_pts,
    split_indices,
)
from tests.conftest import draw_face, mean_face_points


def write_pts(path: Path, pts: np.ndarray, header: bool) -> None:
    lines = [f"{x + 1:.3f} {y + 1:.3f}" for x, y in pts]  # files are 1-based
    if header:
        lines = ["version: 1", f"n_points:  {len(pts)}", "{", *lines, "}"]
    path.write_text("\n".join(lines) + "\n")


def write_xml(path: Path, faces: list[tuple[str, np.ndarray]], n_parts: int = 68) -> None:
    rows = ["<?xml version='1.0' encoding='ISO-8859-1'?>", "<dataset><images>"]
    for name, pts in faces:
        rows.append(f"<image file='{name}'><box top='1' left='2' width='30' height='40'>")
        rows += [f"<part name='{i:02d}' x='{x:.2f}' y='{y:.2f}'/>" for i, (x, y) in enumerate(pts[:n_parts])]
        rows.append("</box></image>")
    rows.append("</images></dataset>")
    path.write_text("\n".join(rows))


@pytest.mark.parametrize("header", [True, False])
def test_parse_pts_both_forms_are_one_based(tmp_path: Path, header: bool) -> None:
    pts = mean_face_points()
    write_pts(tmp_path / "a.pts", pts, header)
    np.testing.assert_allclose(parse_pts(tmp_path / "a.pts"), pts, atol=1e-3)


def test_parse_pts_wrong_count_names_file(tmp_path: Path) -> None:
    write_pts(tmp_path / "short.pts", mean_face_points()[:60], header=True)
    with pytest.raises(ValueError, match=r"short\.pts: expected 68 points, found 60"):
        parse_pts(tmp_path / "short.pts")


def test_pts_folder_pairs_images_and_skips_bad_files(tmp_path: Path) -> None:
    pts = mean_face_points()
    cv2.imwrite(str(tmp_path / "good.png"), draw_face(pts))
    write_pts(tmp_path / "good.pts", pts, header=True)
    cv2.imwrite(str(tmp_path / "bad.png"), draw_face(pts))
    write_pts(tmp_path / "bad.pts", pts[:10], header=False)
    write_pts(tmp_path / "orphan.pts", pts, header=False)
    report = discover(tmp_path)
    assert [r.image.name for r in report.records] == ["good.png"]
    assert report.skipped == 2
    assert any("bad.pts" in w for w in report.warnings) and any("orphan.pts" in w for w in report.warnings)
    box = report.records[0].box  # tight box of the points
    np.testing.assert_allclose(box[:2], pts.min(0), atol=1e-3)


def test_labels_xml_reads_faces_and_skips_bad_entries(tmp_path: Path) -> None:
    pts = mean_face_points()
    (tmp_path / "img").mkdir()
    cv2.imwrite(str(tmp_path / "img" / "a.jpg"), draw_face(pts))
    write_xml(tmp_path / "labels.xml", [("img/a.jpg", pts), ("img/missing.jpg", pts)])
    report = parse_labels_xml(tmp_path / "labels.xml")
    assert len(report.records) == 1
    np.testing.assert_allclose(report.records[0].points, pts, atol=0.01)  # XML points are 0-based
    np.testing.assert_array_equal(report.records[0].box, [2, 1, 30, 40])
    assert report.skipped == 1 and "missing.jpg" in report.warnings[0]


def test_labels_xml_with_67_parts_is_skipped(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "a.jpg"), draw_face(mean_face_points()))
    write_xml(tmp_path / "labels.xml", [("a.jpg", mean_face_points())], n_parts=67)
    with pytest.raises(DatasetError, match=r"no usable annotated faces.*a\.jpg"):
        discover(tmp_path / "labels.xml")


def test_malformed_xml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "labels.xml").write_text("<dataset><images><image file='a.jpg'>")
    with pytest.raises(DatasetError, match=r"labels\.xml: malformed"):
        discover(tmp_path)


def test_empty_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no usable annotated faces"):
        discover(tmp_path)
    with pytest.raises(DatasetError, match="no such file"):
        discover(tmp_path / "nope")


def test_official_layout_picks_train_or_test_xml(tmp_path: Path) -> None:
    pts = mean_face_points()
    cv2.imwrite(str(tmp_path / "a.jpg"), draw_face(pts))
    cv2.imwrite(str(tmp_path / "b.jpg"), draw_face(pts))
    write_xml(tmp_path / "labels_ibug_300W_train.xml", [("a.jpg", pts)])
    write_xml(tmp_path / "labels_ibug_300W_test.xml", [("b.jpg", pts), ("a.jpg", pts)])
    assert len(discover(tmp_path, "train").records) == 1
    assert len(discover(tmp_path, "test").records) == 2


def test_split_is_seeded_disjoint_and_ninety_ten() -> None:
    tr, va = split_indices(2012, 0.1, seed=0)
    tr2, va2 = split_indices(2012, 0.1, seed=0)
    np.testing.assert_array_equal(va, va2)
    np.testing.assert_array_equal(tr, tr2)
    assert len(va) == 201 and len(tr) == 1811
    assert not set(tr) & set(va) and len(set(tr) | set(va)) == 2012
    assert not np.array_equal(split_indices(2012, 0.1, seed=1)[1], va)


def test_shared_300w_folder_loads_every_face(ibug_dir: Path) -> None:
    report = discover(ibug_dir)
    assert len(report.records) == 2012 and report.skipped == 0
    r = report.records[0]
    assert r.points.shape == (68, 2) and r.image.is_file()
    np.testing.assert_allclose(r.box[:2], r.points.min(0), atol=1.0)  # <box> is the tight box
