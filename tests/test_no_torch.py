"""The app's CPU path imports no torch: tracker, detector, landmark network (ONNX Runtime),
background effect, filters and the GUI's pipeline, run in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import cv2
    import numpy as np

    import facefilter
    from facefilter.tracker import TrackerConfig

    image = sys.argv[1]
    tracker = facefilter.FaceTracker(device="cpu")  # what the app builds on a machine without CUDA
    faces = {"synthetic": len(tracker.process(np.full((480, 640, 3), 90, np.uint8)))}
    if image:
        face = cv2.imread(image)
        k = min(640 / face.shape[1], 480 / face.shape[0])
        face = cv2.resize(face, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        frame = np.full((480, 640, 3), 90, np.uint8)
        frame[: face.shape[0], : face.shape[1]] = face
        tracker.reset()
        faces["300-W"] = len(tracker.process(frame))
    tracker.close()

    from facefilter.gui.app import load_all_filters, pipeline_factory  # the app's pipeline, no window

    filters, _ = load_all_filters()
    pipeline = pipeline_factory(filters, None, TrackerConfig().precision)()
    pipeline.set_background("blur")
    pipeline.active_filter = "sunglasses" if "sunglasses" in filters else next(iter(filters), None)
    pipeline.process(frame if image else np.full((480, 640, 3), 90, np.uint8))
    pipeline.close()
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "torchvision"))
    print(json.dumps({"faces": faces, "heavy": heavy[:10], "qt": "PyQt6" in sys.modules}))
    """
)


def test_cpu_path_imports_no_torch(shared_data_dir_or_none: Path | None) -> None:
    image = ""
    if shared_data_dir_or_none is not None:
        image = str(next((shared_data_dir_or_none / "ibug300w-train" / "lfpw" / "trainset").glob("*.jpg")))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, image], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["heavy"] == [], f"the CPU path imported {result['heavy']}"
    assert result["faces"]["synthetic"] == 0
    if image:
        assert result["faces"]["300-W"] == 1  # the network really ran


@pytest.fixture
def shared_data_dir_or_none() -> Path | None:
    """The shared data folder, or None when absent (the face frame is then left out, not the test)."""
    from tests.conftest import shared_data_dir

    path = shared_data_dir()
    return path if (path / "ibug300w-train" / "labels.xml").is_file() else None
