"""``facefilter-bench real``: the README table parser, the per-file figures and gates, the sheet,
and one short run of the real tracker over a tiny synthetic folder."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.bench.real import (
    DEFAULT_DIR,
    Entry,
    FileResult,
    contact_sheet,
    format_table,
    gate_summary,
    main,
    parse_readme,
    run_file,
)
from facefilter.types import Box, Face

TABLE = """# real-dev

Some text | with a bar.

| file | source | FACES | hard case |
|---|---|---|---|
| neg_a.mp4 | x | 0 | NEGATIVE: hands |
| grp_b.jpg | y | 6 | GROUP (photo) |
| crowd.mp4 | z | about 15 (1 large plus about 15 small) | GROUP |

More text.
"""


def write_readme(folder: Path, rows: str = TABLE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "README.md"
    path.write_text(rows, encoding="utf-8")
    return path


def test_parse_readme_reads_counts_and_approximate_counts(tmp_path: Path) -> None:
    entries = parse_readme(write_readme(tmp_path))
    assert entries == [Entry("neg_a.mp4", 0, False), Entry("grp_b.jpg", 6, False), Entry("crowd.mp4", 15, True)]
    assert [(e.is_photo, e.is_negative) for e in entries] == [(False, True), (True, False), (False, False)]


@pytest.mark.parametrize(("text", "message"), [
    ("| file | source |\n|---|---|\n| a.mp4 | x |\n", "no table with 'file' and 'FACES'"),
    ("| file | FACES |\n|---|---|\n| a.mp4 | many |\n", "FACES 'many'"),
    ("| file | FACES |\n|---|---|\n| a.mp4 | 1 | extra |\n", "3 cells"),
])
def test_parse_readme_errors_name_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = write_readme(tmp_path, text)
    with pytest.raises(ValueError, match=message) as info:
        parse_readme(path)
    assert str(path) in str(info.value)


def test_the_real_dev_readme_parses() -> None:
    readme = DEFAULT_DIR / "README.md"
    if not readme.is_file():
        pytest.skip(f"{readme} absent (set FACEFILTER_DATA)")
    entries = parse_readme(readme)
    assert len(entries) >= 15
    assert all((DEFAULT_DIR / e.file).is_file() for e in entries)
    assert sum(e.is_negative for e in entries) >= 5
    assert any(e.approx for e in entries) and any(e.is_photo and e.faces >= 5 for e in entries)


def face_at(x: float, face_id: int) -> Face:
    pts = np.zeros((68, 2), np.float32) + (x, 50.0)
    return Face(Box(x, 40, 20, 20), pts, face_id, 0.9)


class ScriptedTracker:
    """Returns ``script[i]`` faces on frame i (cycling); counts resets."""

    def __init__(self, script: list[list[Face]]) -> None:
        self.script, self.i, self.resets = script, 0, 0

    def reset(self) -> None:
        self.i, self.resets = 0, self.resets + 1

    def process(self, frame: np.ndarray, t: float) -> list[Face]:
        out = self.script[self.i % len(self.script)]
        self.i += 1
        return out


def write_clip(path: Path, frames: int = 12, size: tuple[int, int] = (96, 64)) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, size)
    assert writer.isOpened()
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), 20 + 10 * i, np.uint8))
    writer.release()


def test_run_file_counts_frames_faces_and_ids(tmp_path: Path) -> None:
    write_clip(tmp_path / "neg_a.avi", frames=12)
    tracker = ScriptedTracker([[], [face_at(10, 1)], [face_at(10, 1), face_at(60, 2)], []])
    r = run_file(tracker, Entry("neg_a.avi", 0, False), tmp_path, sheet_every=4, render=lambda f, faces: f)
    assert tracker.resets == 1
    assert (r.frames, r.frames_with_face, r.faces_total, r.ids) == (12, 6, 9, 2)
    assert r.face_share == pytest.approx(0.5) and r.passes() is False
    assert len(r.sheet_frames) == 3 and r.fps > 0


def test_photos_run_several_frames_and_gate_on_the_last(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "grp.jpg"), np.full((40, 60, 3), 128, np.uint8))
    six = [face_at(10 * k, k) for k in range(1, 7)]
    found = {n: run_file(ScriptedTracker([six[:2], six[:n]]), Entry("grp.jpg", 6, False), tmp_path, photo_frames=2)
             for n in (5, 6, 4)}
    assert [found[n].found_last for n in (5, 6, 4)] == [5, 6, 4]
    assert [found[n].passes() for n in (5, 6, 4)] == [False, True, False]  # 5/6 is 83% < 90%
    crowd = run_file(ScriptedTracker([six]), Entry("grp.jpg", 25, True), tmp_path)
    assert crowd.passes() is None  # "about N": reported, not gated
    extra = FileResult("g.jpg", 6, False, True, frames=3, found_last=8)
    assert extra.passes() is False  # two more than counted


def test_table_summary_and_sheet() -> None:
    frame = np.zeros((30, 40, 3), np.uint8)
    rs = [FileResult("neg.mp4", 0, False, False, frames=100, frames_with_face=1, faces_total=1, seconds=2.0,
                     sheet_frames=[frame] * 20),
          FileResult("grp.jpg", 6, False, True, frames=3, frames_with_face=3, faces_total=18, found_last=6, ids=6,
                     seconds=1.0, sheet_frames=[frame])]
    table = format_table(rs)
    assert "neg.mp4" in table and "6/6" in table and table.count(" ok") == 2
    summary = gate_summary(rs)
    assert "1/100 frames (1.0%)" in summary and "6/6 counted faces found (100%), 0 extra" in summary
    assert "2/2 files pass" in summary
    sheet = contact_sheet(rs, columns=8, height=30, photo_height=60)
    assert sheet.dtype == np.uint8 and sheet.ndim == 3
    assert sheet.shape[0] == (22 + 30 + 4) + (22 + 60 + 4)  # a label bar above each row


def test_one_short_run_of_the_real_tracker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("onnxruntime")
    folder = tmp_path / "real"
    write_readme(folder, "| file | FACES | hard case |\n|---|---|---|\n| neg_grey.avi | 0 | NEGATIVE |\n"
                         "| neg_noise.png | 0 | NEGATIVE (photo) |\n")
    write_clip(folder / "neg_grey.avi", frames=6)
    cv2.imwrite(str(folder / "neg_noise.png"), np.random.default_rng(0).integers(0, 255, (120, 160, 3), np.uint8))
    out = tmp_path / "figures.json"
    sheet = tmp_path / "sheet.jpg"
    assert main(["--data", str(folder), "--json", str(out), "--sheet", str(sheet), "--sheet-every", "2"]) == 0
    text = capsys.readouterr().out
    assert "neg_grey.avi" in text and "negatives: a face on 0/9 frames" in text and "peak RSS" in text
    figures = json.loads(out.read_text())
    assert [f["file"] for f in figures["files"]] == ["neg_grey.avi", "neg_noise.png"]
    assert [f["frames"] for f in figures["files"]] == [6, 3]
    img = cv2.imread(str(sheet))
    assert img is not None and img.shape[1] >= 640


def test_main_says_when_the_folder_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data", str(tmp_path / "nowhere")]) == 2
    assert "README.md not found" in capsys.readouterr().err
