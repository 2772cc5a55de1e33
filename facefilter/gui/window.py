"""The main window: live view, filter toolbar, controls, menus, status bar, remembered settings.

It owns no capture and no inference: it sends choices to the :class:`PipelineWorker` and
paints the frames it gets back. Choosing the source (cameras, files) is
:class:`~facefilter.gui.source_picker.SourcePicker`; the background effect
:class:`~facefilter.gui.background_picker.BackgroundPicker`; snapshots, recording, the virtual
camera and screenshots are :class:`~facefilter.gui.capture_controls.CaptureControls`; "Face from
photo…", the morph slider and filter messages :class:`~facefilter.gui.face_photo.FacePhotoControls`:
all are mixed into :class:`MainWindow`, one idea per file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path

from PyQt6.QtCore import QSettings, Qt, QTimer
from PyQt6.QtGui import QAction, QCloseEvent, QKeySequence
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QToolButton,
)

from facefilter.gui.background_picker import BackgroundPicker
from facefilter.gui.capture_controls import CaptureControls
from facefilter.gui.face_photo import FacePhotoControls
from facefilter.gui.filterbar import FilterBar, FilterInfo
from facefilter.gui.icons import icon
from facefilter.gui.settings import AppSettings
from facefilter.gui.source_picker import SourcePicker
from facefilter.gui.view import VideoView
from facefilter.gui.worker import PipelineWorker, RenderedFrame, SourceSpec

log = logging.getLogger(__name__)

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Left / Right", "previous / next filter"),
    ("0", "no filter"),
    ("L", "landmark overlay on/off"),
    ("E", "expressions on/off (label and top classes under each face)"),
    ("M", "mirror on/off"),
    ("S", "snapshot (PNG)"),
    ("R", "start/stop recording (MP4)"),
    ("V", "virtual camera on/off"),
    ("F11", "full screen (Esc leaves it)"),
    ("Ctrl+O", "open a video file"),
    ("Ctrl+I", "import a filter zip"),
    ("Ctrl+Q", "quit"),
)




class MainWindow(SourcePicker, BackgroundPicker, CaptureControls, FacePhotoControls, QMainWindow):
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
        self._cameras = []

        self.view = VideoView(self)
        self.view.openFileRequested.connect(self.open_file_dialog)
        self.view.retryRequested.connect(self.retry_source)
        self.setCentralWidget(self.view)
        self._build_actions()
        self._build_toolbars()
        self._build_menus()
        self._build_status_bar()
        self._connect_worker()

        self._restore_face_photo()  # a remembered photo comes back on its own thread
        self.filter_bar.set_filters(self.filters)
        if self.settings.filter not in self.filters:
            self.settings.filter = None
        self.filter_bar.set_active(self.settings.filter)
        self._sync_morph(self.settings.filter)
        self.overlay_action.setChecked(self.settings.overlay)
        self.mirror_action.setChecked(self.settings.mirror)
        self.worker.update_settings(filter=self.settings.filter, overlay=self.settings.overlay,
                                    mirror_camera=self.settings.mirror, mirror_file=False)
        self.choose_background(self.settings.background, interactive=False)
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
        self.expressions_action = a("Expressions", "E", checkable=True,
                                    tip="Show each face's expression: its label and the top classes")
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
        self.expressions_action.toggled.connect(lambda on: self.worker.update_settings(expressions=on))
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
        self.background_combo = QComboBox(bar)
        self.background_combo.setObjectName("backgroundCombo")
        self.background_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.background_combo.setToolTip("Background effect: blur, grey, a picture or a colour behind you")
        self.background_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.background_combo.setMinimumContentsLength(8)
        self.background_combo.activated.connect(self._background_chosen)
        bar.addWidget(self.background_combo)
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
        for action in (self.overlay_action, self.expressions_action, self.mirror_action, self.fullscreen_action):
            view_menu.addAction(action)
        self.background_menu = mb.addMenu("&Background")
        self.background_menu.aboutToShow.connect(self._fill_background_menu)
        self._fill_background_menu()
        filters_menu = mb.addMenu("Fi&lters")
        for action in (self.next_filter_action, self.prev_filter_action, self.no_filter_action):
            filters_menu.addAction(action)
        filters_menu.addSeparator()
        filters_menu.addAction(self.import_action)
        self._build_face_photo(filters_menu, self.controls_bar)
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
        w.backgroundFailed.connect(self._on_background_failed)

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread and open the first source."""
        self.open_source(self._initial_source)
        self.worker.start()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        self.save_settings()
        self.wait_face_photo()
        self.worker.stop_and_wait()  # closes the source (releases the camera) and finishes a recording
        if event is not None:
            event.accept()

    def save_settings(self) -> None:
        self.settings.geometry = self.saveGeometry()
        self.settings.save(self.store)

    # -- worker signals ------------------------------------------------------------------------

    def _on_ready(self) -> None:
        self.statusBar().showMessage("Face model loaded", 2500)

    def _on_load_failed(self, message: str) -> None:
        self.view.show_message("The face model could not be loaded", message, open_button=False)

    def _on_frame(self, rendered: RenderedFrame) -> None:
        self.worker.frame_consumed()
        self.last_frame = rendered
        self.frames_shown += 1
        self.view.set_image(rendered.image)
        self._show_filter_status(rendered.filter_status)
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
        self._sync_morph(name)
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

    # -- messages and help ---------------------------------------------------------------------

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

