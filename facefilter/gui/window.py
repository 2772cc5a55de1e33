"""The main window: live view, filter toolbar, controls, menus, status bar, remembered settings.

It owns no capture and no inference: it sends choices to the :class:`PipelineWorker` and
paints the frames it gets back. Snapshots are written here (one PNG, on demand); recording
and the virtual camera run on the worker thread.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtCore import QPoint, QSettings, QStandardPaths, Qt, QTimer, QUrl
from PyQt6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QToolButton,
)

from facefilter.gui.cameras import CameraInfo, list_camera_infos, multimedia_error
from facefilter.gui.filterbar import FilterBar, FilterInfo
from facefilter.gui.icons import icon
from facefilter.gui.outputs import save_snapshot, timestamped_path, vcam_unavailable_reason
from facefilter.gui.settings import AppSettings
from facefilter.gui.view import VideoView
from facefilter.gui.worker import PipelineWorker, RenderedFrame, SourceSpec

log = logging.getLogger(__name__)

VIDEO_FILTER = "Videos and images (*.mp4 *.avi *.mov *.mkv *.webm *.m4v *.mpg *.mpeg *.wmv);;All files (*)"

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Left / Right", "previous / next filter"),
    ("0", "no filter"),
    ("L", "landmark overlay on/off"),
    ("M", "mirror on/off"),
    ("S", "snapshot (PNG)"),
    ("R", "start/stop recording (MP4)"),
    ("V", "virtual camera on/off"),
    ("F11", "full screen (Esc leaves it)"),
    ("Ctrl+O", "open a video file"),
    ("Ctrl+I", "import a filter zip"),
    ("Ctrl+Q", "quit"),
)


def standard_dir(location: QStandardPaths.StandardLocation, fallback: str) -> Path:
    """``<user's location>/facefilter`` (e.g. ~/Pictures/facefilter), ``~/<fallback>/facefilter`` if Qt has none."""
    base = QStandardPaths.writableLocation(location)
    return (Path(base) if base else Path.home() / fallback) / "facefilter"


class MainWindow(QMainWindow):
    """The app window around a :class:`PipelineWorker` (not started here: call :meth:`start`).

    ``filters``: the filters shown in the toolbar (built-in then user ones; ``name``, ``title``,
    ``thumbnail``). ``store``: where settings live (tests pass an INI file). ``settings``: the
    settings to start from (default: read from ``store``). ``source``: what to open first
    (default: the remembered camera). ``output_dir``: where snapshots and recordings go (default:
    Pictures/facefilter and Videos/facefilter). ``user_filter_dir``: where imported zips are
    unpacked (default: :func:`facefilter.filters.user_filter_dir`).
    """

    def __init__(
        self,
        worker: PipelineWorker,
        filters: Mapping[str, FilterInfo],
        store: QSettings,
        *,
        settings: AppSettings | None = None,
        source: SourceSpec | None = None,
        output_dir: Path | None = None,
        user_filter_dir: Path | None = None,
        filter_errors: list[str] | tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.setWindowTitle("facefilter")
        self.worker = worker
        self.filters: dict[str, FilterInfo] = dict(filters)
        self.store = store
        self.settings = settings or AppSettings.load(store)
        self.output_dir = output_dir
        self.user_filter_dir = user_filter_dir
        self.last_frame: RenderedFrame | None = None
        self.last_snapshot: Path | None = None
        self.last_recording: Path | None = None
        self.last_message: tuple[str, str] | None = None
        self.frames_shown = 0
        self._initial_source: SourceSpec = source if source is not None else self.settings.camera
        self._requested: SourceSpec | None = None
        self._source_is_camera = True
        self._latency_ms = 0.0
        self._last_status_update = 0.0
        self._cameras: list[CameraInfo] = []

        self.view = VideoView(self)
        self.view.openFileRequested.connect(self.open_file_dialog)
        self.view.retryRequested.connect(self.retry_source)
        self.setCentralWidget(self.view)
        self._build_actions()
        self._build_toolbars()
        self._build_menus()
        self._build_status_bar()
        self._connect_worker()

        self.filter_bar.set_filters(self.filters)
        if self.settings.filter not in self.filters:
            self.settings.filter = None
        self.filter_bar.set_active(self.settings.filter)
        self.overlay_action.setChecked(self.settings.overlay)
        self.mirror_action.setChecked(self.settings.mirror)
        self.worker.update_settings(filter=self.settings.filter, overlay=self.settings.overlay,
                                    mirror_camera=self.settings.mirror, mirror_file=False)
        self.refresh_cameras()
        if self.settings.geometry is None or not self.restoreGeometry(self.settings.geometry):
            self.resize(1120, 800)
        self.view.show_message("Starting…", "Loading the face model. The camera opens in a moment.",
                               open_button=False)
        if filter_errors:
            self.statusBar().showMessage(f"{len(filter_errors)} filter(s) could not be loaded: {filter_errors[0]}",
                                         15000)

    # -- construction --------------------------------------------------------------------------

    def _action(self, text: str, shortcut: str | None = None, *, icon_name: str | None = None,
                checkable: bool = False, tip: str | None = None) -> QAction:
        action = QAction(icon(icon_name), text, self) if icon_name else QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setCheckable(checkable)
        if tip:
            action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        self.addAction(action)  # shortcuts work even when the action is in no visible toolbar
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.open_action = a("Open video file…", "Ctrl+O", icon_name="open",
                             tip="Play a video file instead of the camera")
        self.import_action = a("Import filter zip…", "Ctrl+I", icon_name="import", tip="Add a filter from a zip file")
        self.quit_action = a("Quit", "Ctrl+Q")
        self.mirror_action = a("Mirror", "M", icon_name="mirror", checkable=True,
                               tip="Mirror the picture (selfie view)")
        self.overlay_action = a("Landmarks", "L", icon_name="landmarks", checkable=True,
                                tip="Show the 68 landmarks and the box of every face")
        self.snapshot_action = a("Snapshot", "S", icon_name="snapshot", tip="Save the filtered view as a PNG")
        self.record_action = a("Record", "R", icon_name="record", checkable=True, tip="Record the filtered view as MP4")
        self.vcam_action = a("Virtual camera", "V", icon_name="vcam", checkable=True,
                             tip="Send the filtered view to a virtual webcam for video calls")
        self.next_filter_action = a("Next filter", "Right")
        self.prev_filter_action = a("Previous filter", "Left")
        self.no_filter_action = a("No filter", "0")
        self.fullscreen_action = a("Full screen", "F11", checkable=True)
        self.leave_fullscreen_action = a("Leave full screen", "Esc")
        self.shortcuts_action = a("Keyboard shortcuts", "F1")
        self.open_output_action = a("Open snapshots folder")

        self.open_action.triggered.connect(self.open_file_dialog)
        self.import_action.triggered.connect(self.import_zip_dialog)
        self.quit_action.triggered.connect(self.close)
        self.mirror_action.toggled.connect(self.set_mirror)
        self.overlay_action.toggled.connect(self.set_overlay)
        self.snapshot_action.triggered.connect(self.snapshot)
        self.record_action.toggled.connect(self.set_recording)
        self.vcam_action.toggled.connect(self.set_virtual_camera)
        self.next_filter_action.triggered.connect(lambda: self.filter_bar.cycle(+1))
        self.prev_filter_action.triggered.connect(lambda: self.filter_bar.cycle(-1))
        self.no_filter_action.triggered.connect(lambda: self.choose_filter(None))
        self.fullscreen_action.toggled.connect(lambda on: self.showFullScreen() if on else self.showNormal())
        self.leave_fullscreen_action.triggered.connect(lambda: self.fullscreen_action.setChecked(False))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.open_output_action.triggered.connect(self.open_snapshot_folder)

    def _build_toolbars(self) -> None:
        bar = QToolBar("Controls", self)
        bar.setObjectName("controlsBar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(bar.iconSize().scaled(22, 22, Qt.AspectRatioMode.IgnoreAspectRatio))
        bar.addAction(self.open_action)
        self.camera_combo = QComboBox(bar)
        self.camera_combo.setObjectName("cameraCombo")
        self.camera_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.camera_combo.activated.connect(self._camera_chosen)
        bar.addWidget(self.camera_combo)
        bar.addSeparator()
        for action in (self.mirror_action, self.overlay_action):
            bar.addAction(action)
        bar.addSeparator()
        for action in (self.snapshot_action, self.record_action, self.vcam_action):
            bar.addAction(action)
        for action in bar.actions():
            w = bar.widgetForAction(action)
            if isinstance(w, QToolButton):
                w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        rec_button = bar.widgetForAction(self.record_action)
        if rec_button is not None:
            rec_button.setObjectName("recordButton")
        self.controls_bar = bar
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

        self.filter_bar = FilterBar(self)
        self.filter_bar.filterChosen.connect(self.choose_filter)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, self.filter_bar)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        file_menu.addAction(self.open_action)
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.open_output_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.camera_menu = mb.addMenu("&Camera")
        self.camera_menu.aboutToShow.connect(self._fill_camera_menu)
        view_menu = mb.addMenu("&View")
        for action in (self.overlay_action, self.mirror_action, self.fullscreen_action):
            view_menu.addAction(action)
        filters_menu = mb.addMenu("Fi&lters")
        for action in (self.next_filter_action, self.prev_filter_action, self.no_filter_action):
            filters_menu.addAction(action)
        filters_menu.addSeparator()
        filters_menu.addAction(self.import_action)
        capture_menu = mb.addMenu("C&apture")
        for action in (self.snapshot_action, self.record_action, self.vcam_action):
            capture_menu.addAction(action)
        help_menu = mb.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.hint_label = QLabel("←/→ filters · 0 none · L landmarks · M mirror · S snapshot · R record · "
                                 "V virtual camera · F1 help")
        self.hint_label.setObjectName("hintLabel")
        sb.addWidget(self.hint_label)  # hidden while a message shows
        self.rec_label = QLabel()
        self.rec_label.setObjectName("recLabel")
        self.rec_label.hide()
        self.source_label = QLabel("—")
        self.faces_label = QLabel("faces: –")
        self.fps_label = QLabel("– fps")
        self.latency_label = QLabel("latency: – ms")
        self.latency_label.setToolTip("From the newest camera frame being taken to it being painted")
        for w in (self.rec_label, self.source_label, self.faces_label, self.fps_label, self.latency_label):
            sb.addPermanentWidget(w)
        self._rec_timer = QTimer(self)
        self._rec_timer.setInterval(500)
        self._rec_timer.timeout.connect(self._update_rec_label)

    def _connect_worker(self) -> None:
        w = self.worker
        w.ready.connect(self._on_ready)
        w.loadFailed.connect(self._on_load_failed)
        w.frameReady.connect(self._on_frame)
        w.sourceOpened.connect(self._on_source_opened)
        w.sourceFailed.connect(self._on_source_failed)
        w.sourceEnded.connect(self._on_source_ended)
        w.status.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        w.stalled.connect(self.view.set_banner)
        w.recordingFinished.connect(self._on_recording_finished)
        w.recordingFailed.connect(self._on_recording_failed)
        w.vcamStarted.connect(self._on_vcam_started)
        w.vcamFailed.connect(self._on_vcam_failed)

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread and open the first source."""
        self.open_source(self._initial_source)
        self.worker.start()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        self.save_settings()
        self.worker.stop_and_wait()  # closes the source (releases the camera) and finishes a recording
        if event is not None:
            event.accept()

    def save_settings(self) -> None:
        self.settings.geometry = self.saveGeometry()
        self.settings.save(self.store)

    # -- sources -------------------------------------------------------------------------------

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

    # -- worker signals ------------------------------------------------------------------------

    def _on_ready(self) -> None:
        self.statusBar().showMessage("Face model loaded", 2500)

    def _on_load_failed(self, message: str) -> None:
        self.view.show_message("The face model could not be loaded", message, open_button=False)

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

    def _on_frame(self, rendered: RenderedFrame) -> None:
        self.worker.frame_consumed()
        self.last_frame = rendered
        self.frames_shown += 1
        self.view.set_image(rendered.image)
        now = time.monotonic()
        latency = (now - rendered.taken_at) * 1000.0
        self._latency_ms = latency if self._latency_ms == 0 else 0.9 * self._latency_ms + 0.1 * latency
        if now - self._last_status_update >= 0.25:
            self._last_status_update = now
            st = rendered.stats
            self.fps_label.setText(f"{st.fps:5.1f} fps")
            self.latency_label.setText(f"latency: {self._latency_ms:4.0f} ms")
            self.faces_label.setText(f"faces: {st.faces}")

    # -- filters and view options --------------------------------------------------------------

    @property
    def latency_ms(self) -> float:
        """Smoothed time from a frame being taken from the camera to it being painted."""
        return self._latency_ms

    @property
    def active_filter(self) -> str | None:
        return self.filter_bar.active

    def choose_filter(self, name: str | None) -> None:
        """Apply filter ``name`` (``None``: none), as a toolbar click would."""
        name = name if name in self.filters else None
        if self.filter_bar.active != name:
            self.filter_bar.set_active(name)
        self.settings.filter = name
        self.worker.update_settings(filter=name)
        title = self.filters[name].title if name else "no filter"
        self.statusBar().showMessage(f"Filter: {title}", 2500)

    def set_overlay(self, on: bool) -> None:
        if self.overlay_action.isChecked() != on:
            self.overlay_action.setChecked(on)  # re-enters through toggled
            return
        self.settings.overlay = on
        self.worker.update_settings(overlay=on)

    def set_mirror(self, on: bool) -> None:
        if self.mirror_action.isChecked() != on:
            self.mirror_action.setChecked(on)
            return
        if self._source_is_camera:
            self.settings.mirror = on
            self.worker.update_settings(mirror_camera=on)
        else:
            self.worker.update_settings(mirror_file=on)

    def import_zip_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a filter zip", self.settings.last_dir, "Zip files (*.zip)")
        if path:
            self.settings.last_dir = str(Path(path).parent)
            self.import_zip(Path(path))

    def import_zip(self, path: Path) -> str | None:
        """Unpack a filter zip into the user's filter folder, add it to the toolbar and apply it."""
        from facefilter.filters import FilterError, import_filter_zip, load_filters, user_filter_dir

        dest = self.user_filter_dir or user_filter_dir()
        try:
            folder = import_filter_zip(path, dest)
        except FilterError as exc:
            self.explain("Filter not imported", str(exc), QMessageBox.Icon.Warning)
            return None
        loaded, errors = load_filters([dest])
        name = folder.name
        if name not in loaded:
            self.explain("Filter not imported", "\n".join(errors) or f"{name} could not be loaded",
                         QMessageBox.Icon.Warning)
            return None
        self.filters[name] = loaded[name]
        self.filter_bar.set_filters(self.filters)
        self.worker.set_filters(self.filters)
        self.choose_filter(name)
        self.statusBar().showMessage(f"Imported filter {loaded[name].title!r} into {dest}", 8000)
        return name

    # -- outputs -------------------------------------------------------------------------------

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

    # -- messages, help, screenshots -----------------------------------------------------------

    def explain(self, title: str, text: str, kind: QMessageBox.Icon = QMessageBox.Icon.Information) -> QMessageBox:
        """A non-blocking message box (kept in :attr:`last_message` for tests)."""
        self.last_message = (title, text)
        box = QMessageBox(kind, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in SHORTCUTS)
        self.explain("Keyboard shortcuts", f"<table>{rows}</table>")

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

