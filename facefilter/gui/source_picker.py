"""Choosing what the main window plays: the camera picker, the Camera menu, video files, and
what the window shows when a source opens, fails or ends (a mixin of :class:`MainWindow`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtWidgets import QComboBox, QFileDialog, QLabel, QMenu

from facefilter.gui.cameras import CameraInfo, list_camera_infos, multimedia_error
from facefilter.gui.icons import icon

if TYPE_CHECKING:
    from PyQt6.QtGui import QAction

    from facefilter.gui.settings import AppSettings
    from facefilter.gui.view import VideoView
    from facefilter.gui.worker import PipelineWorker, RenderedFrame, SourceSpec

VIDEO_FILTER = "Videos and images (*.mp4 *.avi *.mov *.mkv *.webm *.m4v *.mpg *.mpeg *.wmv);;All files (*)"


class SourcePicker:
    """Source choice and source signals; expects the attributes :class:`MainWindow` builds."""

    worker: PipelineWorker
    view: VideoView
    settings: AppSettings
    camera_combo: QComboBox
    camera_menu: QMenu
    open_action: QAction
    mirror_action: QAction
    source_label: QLabel
    last_frame: RenderedFrame | None
    _requested: SourceSpec | None
    _source_is_camera: bool
    _cameras: list[CameraInfo]

    def open_source(self, spec: SourceSpec) -> None:
        """Switch to ``spec`` (camera index, video file, folder of images) on the worker thread."""
        self._requested = spec
        self.worker.set_source(spec)

    def retry_source(self) -> None:
        self.view.show_message("Opening…", f"Opening {self._describe(self._requested)}…", open_button=False)
        self.open_source(self._requested if self._requested is not None else self.settings.camera)

    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a video file", self.settings.last_dir, VIDEO_FILTER)
        if path:
            self.settings.last_dir = str(Path(path).parent)
            self.open_source(path)

    def refresh_cameras(self) -> None:
        """Re-list the cameras (by name) in the picker."""
        self._cameras = list_camera_infos()
        self._fill_camera_combo()

    def _fill_camera_combo(self) -> None:
        combo = self.camera_combo
        combo.blockSignals(True)
        combo.clear()
        for cam in self._cameras:
            combo.addItem(icon("camera"), cam.name, cam.index)
        if isinstance(self._requested, int | str) and not self._is_camera_spec(self._requested):
            combo.addItem(icon("open"), f"File: {Path(str(self._requested)).name}", None)
            combo.setCurrentIndex(combo.count() - 1)
        elif not self._cameras:
            combo.addItem("No camera found", None)
        else:
            current = self._camera_index(self._requested)
            pos = combo.findData(current)
            combo.setCurrentIndex(max(pos, 0))
        combo.addItem(icon("open"), "Video file…", "file")
        mm = multimedia_error()
        combo.setToolTip("Pick a camera" if mm is None else f"Pick a camera (names without QtMultimedia: {mm})")
        combo.blockSignals(False)

    def _fill_camera_menu(self) -> None:
        menu = self.camera_menu
        menu.clear()
        self._cameras = list_camera_infos()
        if not self._cameras:
            none = menu.addAction("No camera found")
            none.setEnabled(False)
        current = self._camera_index(self._requested)
        for cam in self._cameras:
            act = menu.addAction(f"{cam.name}  (index {cam.index})")
            act.setCheckable(True)
            act.setChecked(cam.index == current)
            act.triggered.connect(lambda _=False, i=cam.index: self.open_source(i))
        menu.addSeparator()
        menu.addAction(self.open_action)
        refresh = menu.addAction("Refresh list")
        refresh.triggered.connect(self.refresh_cameras)

    def _camera_chosen(self, pos: int) -> None:
        data = self.camera_combo.itemData(pos)
        if data == "file":
            self._fill_camera_combo()  # put the selection back; the dialog decides
            self.open_file_dialog()
        elif isinstance(data, int):
            self.open_source(data)

    @staticmethod
    def _is_camera_spec(spec: object) -> bool:
        return isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit())

    def _camera_index(self, spec: object) -> int | None:
        return int(spec) if self._is_camera_spec(spec) else None  # type: ignore[call-overload]

    def _describe(self, spec: object) -> str:
        if self._is_camera_spec(spec):
            idx = self._camera_index(spec)
            names = [c.name for c in self._cameras if c.index == idx]
            return f"camera {idx}" + (f" ({names[0]})" if names else "")
        return str(spec)

    def _on_source_opened(self, name: str, is_camera: bool) -> None:
        self._source_is_camera = is_camera
        self.source_label.setText(name)
        self.setWindowTitle(f"facefilter — {name}")
        self.view.set_banner("")
        if is_camera and (idx := self._camera_index(self._requested)) is not None:
            self.settings.camera = idx
        s = self.worker.settings
        self.mirror_action.blockSignals(True)
        self.mirror_action.setChecked(s.mirror_camera if is_camera else s.mirror_file)
        self.mirror_action.blockSignals(False)
        self._fill_camera_combo()

    def _on_source_failed(self, message: str) -> None:
        self.last_frame = None
        self.source_label.setText("no source")
        self.view.set_banner("")
        if self._is_camera_spec(self._requested):
            title = "No camera" if "could not be opened" in message or "No cameras" in message else "Camera stopped"
            text = (f"{message}\n\nConnect a camera and try again, or open a video file to see the filters "
                    "at work.")
        else:
            title, text = "Cannot open this source", message
        self.view.show_message(title, text, open_button=True, retry_button=True)
        self._fill_camera_combo()

    def _on_source_ended(self, name: str) -> None:
        self.view.show_message("End of video", f"{name} has ended.", open_button=True, retry_button=False)
