"""GUI test set-up: Qt's offscreen platform (set before Qt is imported), the real built-in filters,
and a window factory that runs the real worker, grabber and Pipeline on a fake tracker."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.gui.fakes import FACE_POINTS, FakeTracker, ListSource, person_mask


@pytest.fixture(scope="session")
def builtin() -> dict[str, Any]:
    from facefilter.filters import builtin_filters

    return builtin_filters()


@pytest.fixture()
def make_window(qtbot: Any, tmp_path: Path, builtin: dict[str, Any]) -> Callable[..., Any]:
    """``make_window(source=None, settings_file=None, grabber_factory=None, stall_after=1.5, start=True)``.

    The default source is a :class:`ListSource` of the synthetic face (a "camera": mirrored by
    default). Output goes to ``tmp_path/out``, settings to ``tmp_path/settings.ini``. The
    background effect's segmenter is a fake that finds the drawn face (:func:`person_mask`).
    """
    from PyQt6.QtCore import QSettings

    from facefilter.background import FakeSegmenter
    from facefilter.capture import FrameGrabber
    from facefilter.gui.window import MainWindow
    from facefilter.gui.worker import PipelineWorker
    from facefilter.pipeline import Pipeline

    def default_grabber(spec: Any, on_status: Callable[[str], None]) -> FrameGrabber:
        return FrameGrabber(spec, on_status=on_status, realtime=True, retry_interval=0.1)

    def make(source: Any = None, *, settings_file: Path | None = None, grabber_factory: Any = None,
             stall_after: float = 1.5, start: bool = True, filters: dict[str, Any] | None = None) -> MainWindow:
        filters = dict(builtin if filters is None else filters)
        worker = PipelineWorker(lambda: Pipeline(FakeTracker(FACE_POINTS), filters,
                                                 segmenter=FakeSegmenter(person_mask())),
                                grabber_factory=grabber_factory or default_grabber, stall_after=stall_after)
        store = QSettings(str(settings_file or tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(worker, filters, store, source=source if source is not None else ListSource(),
                            output_dir=tmp_path / "out", user_filter_dir=tmp_path / "user_filters")
        qtbot.addWidget(window)  # closed (worker stopped) at the end of the test
        window.show()
        if start:
            window.start()
            # the models load beside the first frames (shown unprocessed): tests start once they are in
            qtbot.waitUntil(lambda: worker.pipeline is not None, timeout=10_000)
        return window

    return make

