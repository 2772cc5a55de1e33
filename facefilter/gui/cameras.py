"""Camera names for the picker, without opening any camera.

Qt's ``QMediaDevices`` names the cameras; each is matched to the OpenCV index that
:func:`facefilter.capture.open_source` opens (``/dev/videoN`` -> N on Linux, the list position
elsewhere). When QtMultimedia cannot load (it needs extra system libraries, e.g. libpulse on
Linux), Linux cameras are read from ``/sys/class/video4linux``; otherwise the picker offers
"Camera 0".
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_VIDEO_N = re.compile(r"video(\d+)$")


@dataclass(frozen=True)
class CameraInfo:
    """A camera for the picker: the OpenCV ``index`` to open and a human ``name``."""

    index: int
    name: str


def multimedia_error() -> str | None:
    """``None`` when PyQt6.QtMultimedia imports, else why not (shown in the camera menu's tooltip)."""
    try:
        from PyQt6 import QtMultimedia  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


def index_from_id(device_id: str, position: int) -> int:
    """OpenCV index of a Qt camera id: the N of ``/dev/videoN``, else the position in Qt's list."""
    m = _VIDEO_N.search(device_id.strip())
    return int(m.group(1)) if m else position


def qt_cameras() -> list[CameraInfo]:
    """Cameras from ``QMediaDevices.videoInputs()``; raises ImportError without QtMultimedia."""
    from PyQt6.QtMultimedia import QMediaDevices

    out = []
    for i, dev in enumerate(QMediaDevices.videoInputs()):
        device_id = bytes(dev.id()).decode("utf-8", "replace")
        out.append(CameraInfo(index_from_id(device_id, i), dev.description() or f"Camera {i}"))
    return out


def sysfs_cameras(root: Path = Path("/sys/class/video4linux")) -> list[CameraInfo]:
    """Linux capture devices named by the kernel (metadata nodes of the same camera are left out)."""
    nodes = sorted((int(m.group(1)), p) for p in root.glob("video*") if (m := _VIDEO_N.search(p.name)))
    out = []
    for n, node in nodes:
        try:
            name = (node / "name").read_text().strip()
            node_index = (node / "index").read_text().strip() if (node / "index").exists() else "0"
        except OSError:
            continue
        if node_index == "0":  # UVC cameras expose a second, metadata-only node with index 1
            out.append(CameraInfo(n, name or f"Camera {n}"))
    return out


OWN_VIRTUAL_CAMERA = "facefilter"  # the card_label the README suggests for v4l2loopback


def list_camera_infos() -> list[CameraInfo]:
    """Cameras by name, best source first (QtMultimedia, sysfs); may be empty. Our own virtual
    camera is left out (reading it back would feed the app its own output)."""
    try:
        found = qt_cameras()
    except ImportError as exc:
        log.info("QtMultimedia unavailable (%s); listing cameras another way", exc)
        found = sysfs_cameras() if sys.platform.startswith("linux") else [CameraInfo(0, "Camera 0")]
    return [c for c in found if c.name != OWN_VIRTUAL_CAMERA]
