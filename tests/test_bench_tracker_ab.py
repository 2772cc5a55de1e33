"""facefilter-bench tracker-ab: loading another revision's tracker, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from facefilter.bench import tracker_ab

TRACKER = Path(__file__).resolve().parents[1] / "facefilter" / "tracker.py"


def test_a_tracker_file_loads_as_a_module_of_its_own() -> None:
    import facefilter.tracker as current

    module = tracker_ab.load_tracker_module(TRACKER)
    assert module.FaceTracker is not current.FaceTracker  # a separate copy, today's left alone
    assert module.FaceTracker.__name__ == "FaceTracker" and module.TrackerConfig().redetect_interval >= 1


def test_bad_tracker_files_name_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.py"
    with pytest.raises(FileNotFoundError, match=r"nope\.py: no such tracker file"):
        tracker_ab.load_tracker_module(missing)
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n", encoding="utf-8")
    with pytest.raises(ImportError, match=r"empty\.py: has no FaceTracker"):
        tracker_ab.load_tracker_module(empty)
    assert tracker_ab.main(["--old", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "nope.py" in err and "Traceback" not in err
