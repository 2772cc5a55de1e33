"""Face swap in the window: Filters > "Face from photo…", the morph slider and the filter's status
message (a mixin of :class:`~facefilter.gui.window.MainWindow`).

Finding the face in a photo runs the detector and the landmark ensemble (seconds the first time;
a cached photo opens at once), so it runs on a :class:`PhotoFilterLoader` thread and the window
adds the filter when it is ready. The photo is remembered in the settings and reopened at start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import Qt, QThread, pyqtSignal
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMessageBox, QSlider, QToolBar, QWidget

if TYPE_CHECKING:
    from PyQt6.QtWidgets import QMenu, QStatusBar

    from facefilter.gui.filterbar import FilterBar
    from facefilter.gui.settings import AppSettings
    from facefilter.gui.worker import PipelineWorker

log = logging.getLogger(__name__)

PHOTO_FILTER = "face_photo"  # facefilter.filters.photo.PHOTO_FILTER (not imported: it loads the filters)
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp);;All files (*)"
PhotoFactory = Callable[[Path], Any]


def default_photo_factory(path: Path) -> Any:
    """:func:`facefilter.filters.face_from_photo` (imported when first used)."""
    from facefilter.filters import face_from_photo

    return face_from_photo(path)


class PhotoFilterLoader(QThread):
    """Builds the filter of one photo off the GUI thread: ``loaded(filter, path)`` or ``failed(message, path)``."""

    loaded = pyqtSignal(object, str)
    failed = pyqtSignal(str, str)

    def __init__(self, path: Path, factory: PhotoFactory, parent: Any = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.factory = factory

    def run(self) -> None:
        from facefilter.filters import FilterError

        try:
            flt = self.factory(self.path)
        except FilterError as exc:
            self.failed.emit(str(exc), str(self.path))
        except Exception as exc:  # a broken model install must not take the window down
            log.exception("face from photo failed for %s", self.path)
            self.failed.emit(f"{self.path}: {type(exc).__name__}: {exc}", str(self.path))
        else:
            self.loaded.emit(flt, str(self.path))


class FacePhotoControls:
    """The photo action, the morph slider and the filter status; expects what :class:`MainWindow` builds.

    ``photo_factory(path) -> filter`` makes the photo's filter (tests pass their own).
    """

    worker: PipelineWorker
    settings: AppSettings
    filters: dict[str, Any]
    filter_bar: FilterBar
    photo_factory: PhotoFactory = staticmethod(default_photo_factory)  # type: ignore[assignment]

    if TYPE_CHECKING:  # provided by MainWindow and QMainWindow

        def statusBar(self) -> QStatusBar: ...

        def choose_filter(self, name: str | None) -> None: ...

        def explain(self, title: str, text: str, kind: QMessageBox.Icon = ...) -> Any: ...

    def _build_face_photo(self, filters_menu: QMenu, bar: QToolBar) -> None:
        """The "Face from photo…" action in ``filters_menu``; the morph slider at the end of ``bar``."""
        self.photo_action = QAction("Face from photo…", self)  # type: ignore[arg-type]
        self.photo_action.setToolTip("Lay the face of a photo (one face, seen from the front) onto every face")
        self.photo_action.triggered.connect(self.face_photo_dialog)
        filters_menu.addAction(self.photo_action)
        box = QWidget(bar)
        row = QHBoxLayout(box)
        row.setContentsMargins(8, 0, 4, 0)
        label = QLabel("Morph", box)
        self.morph_slider = QSlider(Qt.Orientation.Horizontal, box)
        self.morph_slider.setObjectName("morphSlider")
        self.morph_slider.setRange(0, 100)
        self.morph_slider.setValue(100)
        self.morph_slider.setFixedWidth(140)
        self.morph_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.morph_slider.setToolTip("Blend between your own face (left) and the other face (right)")
        self.morph_slider.valueChanged.connect(self._morph_changed)
        row.addWidget(label)
        row.addWidget(self.morph_slider)
        bar.addSeparator()
        self.morph_action = bar.addWidget(box)
        assert self.morph_action is not None
        self.morph_action.setVisible(False)
        self._photo_loaders: list[PhotoFilterLoader] = []
        self._photo_activate = False
        self.filter_status = ""

    # -- the photo -------------------------------------------------------------------------------

    def face_photo_dialog(self) -> None:
        start = str(Path(self.settings.face_photo).parent) if self.settings.face_photo else self.settings.last_dir
        path, _ = QFileDialog.getOpenFileName(self, "Face from photo", start, IMAGE_FILTER)  # type: ignore[arg-type]
        if path:
            self.settings.last_dir = str(Path(path).parent)
            self.load_face_photo(Path(path))

    def load_face_photo(self, path: Path, *, activate: bool = True) -> PhotoFilterLoader:
        """Find the face in the photo at ``path`` on a helper thread; then add its filter (named
        ``face_photo``) to the toolbar and, with ``activate``, apply it. A photo that cannot be
        used gives one message and no photo filter."""
        self._photo_activate = activate
        self.statusBar().showMessage(f"Finding the face in {Path(path).name}…", 30000)
        loader = PhotoFilterLoader(Path(path), self.photo_factory, self)
        loader.loaded.connect(self._on_photo_loaded)
        loader.failed.connect(self._on_photo_failed)
        loader.finished.connect(lambda: self._photo_done(loader))
        self._photo_loaders.append(loader)
        loader.start()
        return loader

    def _restore_face_photo(self) -> None:
        """Reopen the remembered photo (cached: no model to load), applying it if it was the last filter."""
        path = Path(self.settings.face_photo) if self.settings.face_photo else None
        if path is not None and path.is_file():
            self.load_face_photo(path, activate=self.settings.filter == PHOTO_FILTER)

    def _photo_done(self, loader: PhotoFilterLoader) -> None:
        if loader in self._photo_loaders:
            self._photo_loaders.remove(loader)
        loader.deleteLater()

    def wait_face_photo(self, timeout_ms: int = 60000) -> None:
        """Wait for photos still being read (the window is closing)."""
        for loader in list(self._photo_loaders):
            loader.wait(timeout_ms)

    def _is_latest(self, path: str) -> bool:
        latest = self._photo_loaders[-1].path if self._photo_loaders else None
        return latest is None or str(latest) == path

    def _on_photo_loaded(self, flt: Any, path: str) -> None:
        if not self._is_latest(path):
            return  # the user picked another photo meanwhile
        self.filters[PHOTO_FILTER] = flt
        self.filter_bar.set_filters(self.filters)
        self.worker.set_filters(self.filters)
        self.settings.face_photo = path
        if self._photo_activate or self.filter_bar.active == PHOTO_FILTER:
            self.choose_filter(PHOTO_FILTER)
        self.statusBar().showMessage(f"Face from {Path(path).name} ready", 4000)

    def _on_photo_failed(self, message: str, path: str) -> None:
        if not self._is_latest(path):
            return
        if self.filter_bar.active == PHOTO_FILTER:
            self.choose_filter(None)
        if self.filters.pop(PHOTO_FILTER, None) is not None:
            self.filter_bar.set_filters(self.filters)
            self.worker.set_filters(self.filters)
        self.settings.face_photo = ""
        self.statusBar().clearMessage()
        self.explain("Face from photo", message, QMessageBox.Icon.Warning)

    # -- morph and status ------------------------------------------------------------------------

    def _sync_morph(self, name: str | None) -> None:
        """Show the morph slider for a swap filter, at that filter's own weight (and use it)."""
        flt = self.filters.get(name) if name else None
        swap = bool(getattr(flt, "has_swap", False))
        self.morph_action.setVisible(swap)
        if swap:
            self.morph_slider.blockSignals(True)
            self.morph_slider.setValue(round(100 * float(getattr(flt, "default_morph", 1.0))))
            self.morph_slider.blockSignals(False)
        self.worker.update_settings(morph=None)

    def _morph_changed(self, value: int) -> None:
        self.worker.update_settings(morph=value / 100.0)

    def _show_filter_status(self, text: str) -> None:
        """Keep the filter's message (e.g. a swap that needs a second face) in the status bar while it lasts."""
        bar = self.statusBar()
        if text != self.filter_status and self.filter_status and bar.currentMessage() == self.filter_status:
            bar.clearMessage()
        self.filter_status = text
        if text and not bar.currentMessage():  # other news first; ours comes back when it has gone
            bar.showMessage(text)
