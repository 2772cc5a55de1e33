"""What the main window saves: snapshots (written here, one PNG on demand), recording and the
virtual camera (run on the worker thread), and window screenshots for tests and the README
(a mixin of :class:`MainWindow`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PyQt6.QtCore import QPoint, QStandardPaths, QTimer, QUrl
from PyQt6.QtGui import QDesktopServices
from PyQt6.QtWidgets import QLabel, QMessageBox

from facefilter.gui.outputs import save_snapshot, timestamped_path, vcam_unavailable_reason

if TYPE_CHECKING:
    from PyQt6.QtGui import QAction

    from facefilter.gui.view import VideoView
    from facefilter.gui.worker import PipelineWorker, RenderedFrame


def standard_dir(location: QStandardPaths.StandardLocation, fallback: str) -> Path:
    """``<user's location>/facefilter`` (e.g. ~/Pictures/facefilter), ``~/<fallback>/facefilter`` if Qt has none."""
    base = QStandardPaths.writableLocation(location)
    return (Path(base) if base else Path.home() / fallback) / "facefilter"


class CaptureControls:
    """Snapshot, record, virtual camera and screenshot; expects the attributes :class:`MainWindow` builds."""

    worker: PipelineWorker
    view: VideoView
    output_dir: Path | None
    record_action: QAction
    vcam_action: QAction
    overlay_action: QAction
    rec_label: QLabel
    _rec_timer: QTimer
    last_frame: RenderedFrame | None
    last_snapshot: Path | None
    last_recording: Path | None
    frames_shown: int

    def snapshot_dir(self) -> Path:
        return self.output_dir or standard_dir(QStandardPaths.StandardLocation.PicturesLocation, "Pictures")

    def video_dir(self) -> Path:
        return self.output_dir or standard_dir(QStandardPaths.StandardLocation.MoviesLocation, "Videos")

    def open_snapshot_folder(self) -> None:
        folder = self.snapshot_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def snapshot(self) -> Path | None:
        """Save the frame on screen (filtered, as shown) as a PNG; returns its path."""
        if self.last_frame is None:
            self.statusBar().showMessage("Nothing to save yet: no frame on screen", 4000)
            return None
        try:
            path = save_snapshot(self.last_frame.frame, self.snapshot_dir())
        except (OSError, ValueError) as exc:
            self.explain("Snapshot not saved", str(exc), QMessageBox.Icon.Warning)
            return None
        self.last_snapshot = path
        self.view.flash()
        self.statusBar().showMessage(f"Saved snapshot {path}", 8000)
        return path

    @property
    def recording(self) -> bool:
        return self.record_action.isChecked()

    def set_recording(self, on: bool) -> None:
        if self.record_action.isChecked() != on:
            self.record_action.setChecked(on)
            return
        if on:
            path = timestamped_path(self.video_dir(), "facefilter", ".mp4")
            self.worker.start_recording(path)
            self._rec_timer.start()
            self.statusBar().showMessage(f"Recording to {path}", 4000)
        else:
            self.worker.stop_recording()
            self._rec_timer.stop()
        self.view.set_recording(on)
        self.rec_label.setVisible(on)
        self._update_rec_label()

    def _update_rec_label(self) -> None:
        s = int(self.view.recording_seconds())
        self.rec_label.setText(f"● REC {s // 60:02d}:{s % 60:02d}")

    def _on_recording_finished(self, path: str, seconds: float) -> None:
        if path:
            self.last_recording = Path(path)
            self.statusBar().showMessage(f"Saved recording {path} ({seconds:.1f} s)", 10000)
        else:
            self.statusBar().showMessage("Nothing was recorded (no frames)", 6000)

    def _on_recording_failed(self, message: str) -> None:
        self.record_action.setChecked(False)
        self.explain("Recording failed", message, QMessageBox.Icon.Warning)

    def set_virtual_camera(self, on: bool) -> None:
        if on and (reason := vcam_unavailable_reason()) is not None:
            self.vcam_action.blockSignals(True)
            self.vcam_action.setChecked(False)
            self.vcam_action.blockSignals(False)
            self.explain("Virtual camera unavailable", reason)
            return
        self.worker.set_virtual_camera(on)
        if on:
            self.statusBar().showMessage("Starting the virtual camera…", 4000)
        else:
            self.view.set_virtual_camera(False)
            self.statusBar().showMessage("Virtual camera off", 4000)

    def _on_vcam_started(self, device: str) -> None:
        self.view.set_virtual_camera(True)
        self.statusBar().showMessage(f"Virtual camera on: {device}. Pick it as the camera in your video-call app.",
                                     12000)

    def _on_vcam_failed(self, message: str) -> None:
        self.vcam_action.blockSignals(True)
        self.vcam_action.setChecked(False)
        self.vcam_action.blockSignals(False)
        self.view.set_virtual_camera(False)
        self.explain("Virtual camera unavailable", message)

    def save_screenshot(self, path: Path) -> dict[str, Any]:
        """Grab the whole window into ``path`` (PNG) and write ``path.json`` describing it.

        The JSON holds ``image_rect`` (where the frame is drawn, window pixels: x, y, w, h),
        ``frame_size`` (w, h), ``faces`` (each face's 68 points in frame pixels), ``filter``,
        ``overlay``, ``frame_index``, ``frames_shown`` and ``fps``: enough for a test to check
        the pixels where a filter should be.
        """
        pixmap = self.grab()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not pixmap.save(str(path), "PNG"):
            raise OSError(f"{path}: cannot save the screenshot")
        rect = self.view.image_rect()
        origin = self.view.mapTo(self, QPoint(0, 0))
        rf = self.last_frame
        info: dict[str, Any] = {
            "image_rect": [rect.x() + origin.x(), rect.y() + origin.y(), rect.width(), rect.height()],
            "device_pixel_ratio": pixmap.devicePixelRatio(),
            "frame_size": [int(rf.frame.shape[1]), int(rf.frame.shape[0])] if rf else None,
            "faces": [np.asarray(f.landmarks).round(2).tolist() for f in rf.faces] if rf else [],
            "filter": self.active_filter,
            "overlay": self.overlay_action.isChecked(),
            "frame_index": rf.index if rf else None,
            "frames_shown": self.frames_shown,
            "fps": rf.stats.fps if rf else 0.0,
        }
        path.with_suffix(path.suffix + ".json").write_text(json.dumps(info))
        return info
