"""The pipeline thread: newest frame from a :class:`FrameGrabber` -> :meth:`Pipeline.process` -> signals.

The GUI thread never captures or infers: it calls the thread-safe setters of
:class:`PipelineWorker` (source, filter, overlay, mirror, recording, virtual camera), which
the worker applies before its next frame, and paints the :class:`RenderedFrame` objects that
``frameReady`` delivers. Recording and the virtual camera are fed on this thread too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from PyQt6.QtCore import QThread, pyqtSignal
from PyQt6.QtGui import QImage

from facefilter.background import BackgroundError
from facefilter.capture import CaptureError, FrameGrabber, FrameSource
from facefilter.gui.outputs import Recorder, VirtualCamera
from facefilter.types import Face

if TYPE_CHECKING:
    from facefilter.pipeline import Pipeline

log = logging.getLogger(__name__)

SourceSpec = str | int | Path | FrameSource
PipelineFactory = Callable[[], "Pipeline"]
GrabberFactory = Callable[[SourceSpec, Callable[[str], None]], FrameGrabber]


def bgr_to_qimage(frame_bgr: np.ndarray) -> QImage:
    """A QImage owning a copy of ``frame_bgr`` (HxWx3 uint8 BGR); safe to build off the GUI thread."""
    frame = np.ascontiguousarray(frame_bgr)
    h, w = frame.shape[:2]
    return QImage(frame.data, w, h, frame.strides[0], QImage.Format.Format_BGR888).copy()


@dataclass(frozen=True)
class FrameStats:
    """``fps``: frames processed per second over the last ~2 s; ``process_ms``: pipeline time of
    this frame; ``faces``: faces found; ``dropped``: frames the grabber dropped (too slow to take)."""

    fps: float
    process_ms: float
    faces: int
    dropped: int
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass
class RenderedFrame:
    """One processed frame for the GUI: the BGR ``frame`` as shown, the same as a QImage,
    its ``faces`` (frame pixels, mirrored when shown mirrored) and ``taken_at``, the
    ``time.monotonic()`` when the worker took it from the grabber (latency = paint time - it);
    ``filter_status``: what the active filter says about the frame (e.g. a face swap that needs a
    second face; ``""``: nothing)."""

    index: int
    frame: np.ndarray
    image: QImage
    faces: list[Face]
    stats: FrameStats
    taken_at: float
    filter_status: str = ""


@dataclass
class ViewSettings:
    """What the pipeline should render; ``mirror_camera``/``mirror_file`` apply by source kind;
    ``background``: the background effect as ``facefilter --background`` writes it; ``morph``: the
    blend weight (0..1) of a face-swap filter (``None``: the filter's own)."""

    filter: str | None = None
    overlay: bool = False
    expressions: bool = False  # each face's expression under it (the E key)
    mirror_camera: bool = True
    mirror_file: bool = False
    background: str = "none"
    morph: float | None = None


_UNSET: Any = object()


def default_grabber(spec: SourceSpec, on_status: Callable[[str], None]) -> FrameGrabber:
    return FrameGrabber(spec, on_status=on_status)


class PipelineWorker(QThread):
    """Runs capture + pipeline off the GUI thread and reports through signals.

    ``pipeline_factory`` builds the :class:`~facefilter.pipeline.Pipeline` on the worker thread
    (loading the model takes seconds; the window is already up). ``loop_files``: a video file
    or image folder starts again at its end (a camera never ends). ``stall_after``: seconds
    without a frame before ``stalled`` reports the source as lost.

    Signals (all delivered queued to the GUI thread): ``ready()`` pipeline loaded;
    ``loadFailed(msg)``; ``frameReady(RenderedFrame)``; ``sourceOpened(name, is_camera)``;
    ``sourceFailed(msg)`` (could not open, or it died); ``sourceEnded(name)`` (end of a file not
    looped); ``status(msg)`` (grabber news: loss, retries, recovery); ``stalled(msg)`` (no frames
    for a while; ``""`` once they flow again); ``recordingFinished(path, seconds)``
    (``path`` ``""``: nothing was recorded) and ``recordingFailed(msg)``; ``vcamStarted(device)``
    and ``vcamFailed(msg)``; ``backgroundFailed(msg)`` (the background effect could not start: it
    is off again).
    """

    ready = pyqtSignal()
    loadFailed = pyqtSignal(str)
    frameReady = pyqtSignal(object)
    sourceOpened = pyqtSignal(str, bool)
    sourceFailed = pyqtSignal(str)
    sourceEnded = pyqtSignal(str)
    status = pyqtSignal(str)
    stalled = pyqtSignal(str)
    recordingFinished = pyqtSignal(str, float)
    recordingFailed = pyqtSignal(str)
    vcamStarted = pyqtSignal(str)
    vcamFailed = pyqtSignal(str)
    backgroundFailed = pyqtSignal(str)

    def __init__(
        self,
        pipeline_factory: PipelineFactory,
        *,
        grabber_factory: GrabberFactory = default_grabber,
        loop_files: bool = True,
        stall_after: float = 1.5,
        max_in_flight: int = 2,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._pipeline_factory = pipeline_factory
        self._grabber_factory = grabber_factory
        self.loop_files = loop_files
        self.stall_after = stall_after
        self.max_in_flight = max_in_flight
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._settings = ViewSettings()
        self._pending_source: Any = _UNSET
        self._pending_filters: Mapping[str, Any] | None = None
        self._filters_wanted: Mapping[str, Any] | None = None
        self._pending_record: Any = _UNSET  # (path, fps) to start, None to stop
        self._vcam_wanted = False
        self._in_flight = 0
        self._last_status = ""  # the grabber's latest news (written on its thread)
        self.pipeline: Pipeline | None = None
        self.frames_processed = 0

    # -- GUI side (thread-safe) ----------------------------------------------------------------

    def set_source(self, spec: SourceSpec | None) -> None:
        """Switch to a camera index, a file or folder path, or a FrameSource (``None``: close the source)."""
        with self._lock:
            self._pending_source = spec
        self._wake.set()

    def set_filters(self, filters: Mapping[str, Any]) -> None:
        """Replace the pipeline's filters (after a zip import)."""
        with self._lock:
            self._pending_filters = dict(filters)

    def update_settings(self, **changes: Any) -> ViewSettings:
        """Change fields of :class:`ViewSettings` (e.g. ``filter="cat"``); returns the new settings."""
        with self._lock:
            for key, value in changes.items():
                if not hasattr(self._settings, key):
                    raise AttributeError(f"ViewSettings has no field {key!r}")
                setattr(self._settings, key, value)
            return ViewSettings(**vars(self._settings))

    @property
    def settings(self) -> ViewSettings:
        with self._lock:
            return ViewSettings(**vars(self._settings))

    def start_recording(self, path: Path, fps: float = 30.0) -> None:
        with self._lock:
            self._pending_record = (Path(path), fps)

    def stop_recording(self) -> None:
        with self._lock:
            self._pending_record = None
        self._wake.set()

    def set_virtual_camera(self, on: bool) -> None:
        with self._lock:
            self._vcam_wanted = on

    def frame_consumed(self) -> None:
        """The GUI painted a frame; the worker may send another (at most ``max_in_flight`` queued)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)

    def stop(self) -> None:
        """Ask the thread to finish; it closes the source, the recording and the virtual camera."""
        self._stop.set()
        self._wake.set()

    def stop_and_wait(self, timeout_ms: int | None = None) -> bool:
        """:meth:`stop`, then wait for the thread (which may be loading the model); True if it ended."""
        self.stop()
        return self.wait() if timeout_ms is None else self.wait(timeout_ms)

    # -- worker thread -------------------------------------------------------------------------

    def run(self) -> None:
        # The source opens and its frames are shown at once; the models load beside it on a
        # helper thread (seconds), and the pipeline takes over from the first frame after.
        loader = _Loader(self._pipeline_factory)
        loader.start()
        state = _LoopState()
        try:
            while not self._stop.is_set():
                if self.pipeline is None and loader.done.is_set() and not self._take_pipeline(loader):
                    return
                self._apply_commands(state)
                if state.grabber is None:
                    self._wake.wait(0.1)
                    self._wake.clear()
                    continue
                got = state.grabber.latest(timeout=0.1)
                if got is None:
                    self._idle(state)
                    continue
                if self.pipeline is None:
                    self._show_unprocessed(state, *got)
                else:
                    self._process(state, *got)
        finally:
            state.close_source()
            self._finish_recording(state)
            if state.vcam is not None:
                state.vcam.close()
            loader.discard()
            close = getattr(self.pipeline, "close", None)
            if callable(close):
                close()  # the detector's and segmenter's native graphs

    def _take_pipeline(self, loader: _Loader) -> bool:
        """Adopt the loaded pipeline (True), or report why it could not load (False: the loop ends)."""
        if loader.error is not None:
            self.loadFailed.emit(loader.error)
            return False
        self.pipeline = loader.take()
        with self._lock:
            filters = self._filters_wanted
        if filters is not None:
            self.pipeline.filters = dict(filters)
        self.ready.emit()
        return True

    def _apply_commands(self, state: _LoopState) -> None:
        with self._lock:
            source, self._pending_source = self._pending_source, _UNSET
            filters, self._pending_filters = self._pending_filters, None
            record, self._pending_record = self._pending_record, _UNSET
            vcam_wanted = self._vcam_wanted
        if filters is not None:
            with self._lock:
                self._filters_wanted = filters  # also for a pipeline that is still loading
            if self.pipeline is not None:
                self.pipeline.filters = dict(filters)
        if source is not _UNSET:
            self._open(state, source)
        if record is not _UNSET:
            self._finish_recording(state)
            if record is not None:
                state.recorder = Recorder(*record)
        if vcam_wanted and state.vcam is None:
            state.vcam = VirtualCamera()
            state.vcam_reported = False
        elif not vcam_wanted and state.vcam is not None:
            state.vcam.close()
            state.vcam = None

    def _open(self, state: _LoopState, spec: SourceSpec | None) -> None:
        state.close_source()
        self._last_status = ""
        if spec is None:
            return
        try:
            state.grabber = self._grabber_factory(spec, self._on_grabber_status).start()
        except (CaptureError, OSError, ValueError) as exc:
            self.sourceFailed.emit(str(exc))
            return
        state.spec = spec
        state.last_frame_at = time.monotonic()
        state.stall_reported = False
        self._reset_tracker()
        src = state.grabber.source
        self.sourceOpened.emit(src.name, bool(src.is_camera))

    def _reset_tracker(self) -> None:
        if hasattr(self.pipeline, "reset"):
            self.pipeline.reset()  # type: ignore[union-attr]
            return
        tracker = getattr(self.pipeline, "tracker", None)
        if tracker is not None and hasattr(tracker, "reset"):
            tracker.reset()

    def _apply_background(self, state: _LoopState, text: str) -> None:
        """Switch the pipeline's background effect; on failure report it and turn the setting off."""
        state.background = text
        pipeline = self.pipeline
        assert pipeline is not None
        try:
            pipeline.set_background(text)
        except Exception as exc:  # a bad picture (BackgroundError) or a segmenter that cannot load
            log.warning("background effect %r off: %s", text, exc)
            with self._lock:
                if self._settings.background == text:
                    self._settings.background = "none"
            state.background = "none"
            self.backgroundFailed.emit(str(exc) if isinstance(exc, BackgroundError) else f"{type(exc).__name__}: {exc}")

    def _on_grabber_status(self, message: str) -> None:  # called on the grabber's thread
        self._last_status = message
        self.status.emit(message)

    def _idle(self, state: _LoopState) -> None:
        """No new frame: the file ended (loop or report), or the source stalled."""
        grabber = state.grabber
        assert grabber is not None
        if grabber.finished:
            src = grabber.source
            if src.is_camera:
                state.close_source()
                self.sourceFailed.emit(self._last_status or f"{src.name} stopped")
            elif self.loop_files and isinstance(state.spec, str | Path):
                self._open(state, state.spec)
            else:
                state.close_source()
                self.sourceEnded.emit(src.name)
            return
        if not state.stall_reported and time.monotonic() - state.last_frame_at > self.stall_after:
            state.stall_reported = True
            news = self._last_status
            self.stalled.emit(news if "lost" in news else f"No frames from {grabber.source.name}; waiting for it...")

    def _show_unprocessed(self, state: _LoopState, index: int, frame: np.ndarray) -> None:
        """While the models load: the frame as it comes (mirrored as asked), with no faces."""
        taken = time.monotonic()
        state.last_frame_at = taken
        assert state.grabber is not None
        s = self.settings
        if s.mirror_camera if state.grabber.source.is_camera else s.mirror_file:
            frame = cv2.flip(frame, 1)
        with self._lock:
            if self._in_flight >= self.max_in_flight:
                return
            self._in_flight += 1
        stats = FrameStats(0.0, 0.0, 0, state.grabber.frames_dropped)
        self.frameReady.emit(RenderedFrame(index, frame, bgr_to_qimage(frame), [], stats, taken,
                                           LOADING_STATUS))

    def _process(self, state: _LoopState, index: int, frame: np.ndarray) -> None:
        taken = time.monotonic()
        state.last_frame_at = taken
        if state.stall_reported:
            state.stall_reported = False
            self.stalled.emit("")
        pipeline = self.pipeline
        assert pipeline is not None and state.grabber is not None
        s = self.settings
        if s.background != state.background:
            self._apply_background(state, s.background)
        pipeline.active_filter = s.filter
        flt = pipeline.filters.get(s.filter) if s.filter else None
        if getattr(flt, "has_swap", False):
            flt.morph = s.morph  # type: ignore[union-attr]
        pipeline.overlay = s.overlay
        pipeline.expressions = s.expressions
        pipeline.mirror = s.mirror_camera if state.grabber.source.is_camera else s.mirror_file
        try:
            result = pipeline.process(frame)
        except Exception as exc:  # one bad frame must not end the session
            log.exception("pipeline failed on frame %d", index)
            if taken - state.last_error_at > 5.0:
                state.last_error_at = taken
                self.status.emit(f"Processing error (frame skipped): {type(exc).__name__}: {exc}")
            return
        self.frames_processed += 1
        state.times.append(taken)
        while state.times and taken - state.times[0] > 2.0:
            state.times.popleft()
        span = state.times[-1] - state.times[0]
        fps = (len(state.times) - 1) / span if span > 0 else 0.0
        self._feed_outputs(state, result.frame, pipeline.mirror)
        stats = FrameStats(fps, result.timings_ms.get("total", 0.0), len(result.faces),
                           state.grabber.frames_dropped, dict(result.timings_ms))
        with self._lock:
            if self._in_flight >= self.max_in_flight:
                return  # the GUI is behind: show a newer frame instead of queueing this one
            self._in_flight += 1
        image = bgr_to_qimage(result.frame)
        self.frameReady.emit(RenderedFrame(index, result.frame, image, result.faces, stats, taken,
                                           getattr(result, "status", "")))

    def _feed_outputs(self, state: _LoopState, frame: np.ndarray, mirrored: bool) -> None:
        """Recording gets the frame as shown; the virtual camera gets it unmirrored (as a webcam
        would: the others in a call see you the right way round, call apps mirror your self-view)."""
        if state.recorder is not None:
            try:
                state.recorder.write(frame)
            except OSError as exc:
                state.recorder = None
                self.recordingFailed.emit(str(exc))
        if state.vcam is not None:
            try:
                state.vcam.send(cv2.flip(frame, 1) if mirrored else frame)
            except RuntimeError as exc:
                state.vcam.close()
                state.vcam = None
                with self._lock:
                    self._vcam_wanted = False
                self.vcamFailed.emit(str(exc))
                return
            if not state.vcam_reported:
                state.vcam_reported = True
                self.vcamStarted.emit(state.vcam.device)

    def _finish_recording(self, state: _LoopState) -> None:
        rec, state.recorder = state.recorder, None
        if rec is None:
            return
        path = rec.close()
        if rec.frames_written:
            self.recordingFinished.emit(str(path), rec.seconds)
        else:
            self.recordingFinished.emit("", 0.0)


LOADING_STATUS = "Loading the face model..."


class _Loader:
    """Builds the pipeline on its own daemon thread; ``done`` is set when it is built or failed."""

    def __init__(self, factory: PipelineFactory) -> None:
        self._factory = factory
        self.done = threading.Event()
        self.error: str | None = None
        self._pipeline: Pipeline | None = None
        self._thread = threading.Thread(target=self._build, name="facefilter-model-loader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _build(self) -> None:
        try:
            self._pipeline = self._factory()
        except Exception as exc:
            log.exception("loading the pipeline failed")
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.done.set()

    def take(self) -> Pipeline:
        assert self._pipeline is not None
        pipeline, self._pipeline = self._pipeline, None
        return pipeline

    def discard(self) -> None:
        """The worker ends: close a pipeline it never took (waits for a build still running)."""
        self._thread.join(timeout=30.0)
        pipeline, self._pipeline = self._pipeline, None
        close = getattr(pipeline, "close", None)
        if callable(close):
            close()


@dataclass
class _LoopState:
    """The worker thread's own state (never touched by the GUI thread)."""

    grabber: FrameGrabber | None = None
    spec: SourceSpec | None = None
    recorder: Recorder | None = None
    vcam: VirtualCamera | None = None
    vcam_reported: bool = False
    last_frame_at: float = 0.0
    last_error_at: float = -1e9
    stall_reported: bool = False
    background: str = "none"  # the background effect the pipeline runs
    times: deque[float] = field(default_factory=lambda: deque(maxlen=240))

    def close_source(self) -> None:
        if self.grabber is not None:
            self.grabber.stop()
            self.grabber = None
