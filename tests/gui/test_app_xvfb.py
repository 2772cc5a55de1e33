"""The real app in a real X window (Xvfb): ``facefilter --source clip`` with the real model and detector.

The clip is a 300-W face pasted onto a background, drifting slowly (``facefilter.bench.scene``).
The app grabs its own window twice (``--screenshot``, with a JSON description of where the
frame and the tracked face are) and quits by itself (``--quit-after``). The test checks that
the face is tracked where it really is, that the sunglasses are drawn over the eyes, that the
two grabs differ (not frozen), and that the process exits with code 0.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.bench.pipeline import pick_faces
from facefilter.bench.scene import background, composite, place

pytestmark = pytest.mark.gui  # ~13 s (most of it loading the model): not marked slow

XVFB_DEBS = "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 xvfb"


@pytest.fixture(scope="module")
def xvfb_display() -> Iterator[str]:
    """A private Xvfb server (display number chosen by Xvfb itself); stopped after the module."""
    exe = shutil.which("Xvfb")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have Xvfb: apt-get install {XVFB_DEBS}")
        pytest.skip(f"Xvfb not installed (apt-get install {XVFB_DEBS})")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [exe, "-displayfd", str(write_fd), "-screen", "0", "1280x960x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()  # Xvfb writes its display number once it accepts clients
    try:
        assert number.isdigit(), f"Xvfb did not start (exit code {proc.poll()})"
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def drifting_clip(data: Path, out: Path, seconds: float = 6.0, fps: float = 15.0) -> tuple[Path, np.ndarray]:
    """A 640x480 MJPG clip of one 300-W face drifting slowly left and right (a webcam user sitting
    still-ish); returns the path and the true points ``(T, 68, 2)``."""
    sprite = pick_faces(data, 1, seed=0)[0]
    bg = background((640, 480), seed=0)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    truth = []
    for i in range(round(seconds * fps)):
        dx = 50.0 * np.sin(2 * np.pi * i / (4.0 * fps))
        frame, pts = composite(bg, [sprite], [place(sprite, (320.0 + dx, 240.0), 180.0)])
        writer.write(frame)
        truth.append(pts[0])
    writer.release()
    return out, np.asarray(truth)


def eye_boxes(points: np.ndarray) -> list[np.ndarray]:
    return [points[36:42], points[42:48]]


def test_app_shows_a_filtered_face_in_a_real_window(
    xvfb_display: str, shared_data: Path, tmp_path: Path
) -> None:
    clip, truth = drifting_clip(shared_data / "ibug300w-train", tmp_path / "clip.avi")
    shot = tmp_path / "shot.png"
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb",
           "FACEFILTER_FILTER_DIR": str(tmp_path / "user_filters")}
    cmd = [sys.executable, "-m", "facefilter.gui.app", "--source", str(clip), "--filter", "sunglasses",
           "--settings", str(tmp_path / "settings.ini"), "--output-dir", str(tmp_path / "out"),
           "--size", "1000x760", "--screenshot", str(shot), "--screenshot-at", "1.5", "3.0", "--quit-after", "3.5"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert proc.stdout.count("facefilter: screenshot") == 2, proc.stdout

    grabs, infos = [], []
    for i in (1, 2):
        path = tmp_path / f"shot-{i}.png"
        grabs.append(cv2.imread(str(path), cv2.IMREAD_COLOR))
        infos.append(json.loads(path.with_suffix(".png.json").read_text()))
    for grab, info in zip(grabs, infos, strict=True):
        assert grab is not None and grab.shape[:2] == (760, 1000)
        assert info["filter"] == "sunglasses" and info["frame_size"] == [640, 480]
        assert len(info["faces"]) == 1, info
        found = np.asarray(info["faces"][0], np.float64)
        true = truth[info["frame_index"] % len(truth)]
        iod = np.linalg.norm(true[36] - true[45])
        # On the face (how accurate the points are is the pipeline benchmark's business, not this test's).
        assert np.linalg.norm(found.mean(0) - true.mean(0)) < 0.25 * iod
        assert 0.5 < np.linalg.norm(found[36] - found[45]) / iod < 1.5

        x, y, w, h = (int(v) for v in info["image_rect"])
        view = grab[y : y + h, x : x + w]
        assert view.std() > 20  # not blank

        # The window shows the clip's frame, changed only where the sunglasses go: dark lenses over the eyes.
        cap = cv2.VideoCapture(str(clip))
        cap.set(cv2.CAP_PROP_POS_FRAMES, info["frame_index"] % len(truth))
        ok, source = cap.read()
        cap.release()
        assert ok
        shown = cv2.resize(view, (640, 480), interpolation=cv2.INTER_AREA)
        diff = np.abs(shown.astype(np.int16) - source).mean(2)
        grey_shown, grey_source = (cv2.cvtColor(im, cv2.COLOR_BGR2GRAY).astype(np.float64) for im in (shown, source))
        far = diff[:, :120]  # a strip of background far from the face
        for eye in eye_boxes(found):
            (x0, y0), (x1, y1) = np.floor(eye.min(0)).astype(int), np.ceil(eye.max(0)).astype(int)
            changed, darker = diff[y0:y1, x0:x1].mean(), (grey_source - grey_shown)[y0:y1, x0:x1].mean()
            print(f"eye box: changed by {changed:.0f}, darker by {darker:.0f} (background: {far.mean():.1f})")
            assert changed > 30 and darker > 12, (changed, darker)
        assert far.mean() < 8

    # Not frozen: later frames, a moving face, different pictures.
    assert infos[1]["frames_shown"] > infos[0]["frames_shown"] + 5
    assert infos[1]["frame_index"] != infos[0]["frame_index"]
    x, y, w, h = (int(v) for v in infos[0]["image_rect"])
    diff = np.abs(grabs[1][y : y + h, x : x + w].astype(np.int16) - grabs[0][y : y + h, x : x + w]).mean()
    assert diff > 2.0
