"""``FrameGrabber``: reads a source on its own thread and keeps only the newest frame.

The consumer (the pipeline worker) asks for :meth:`FrameGrabber.latest`; frames it was too
slow to take are dropped, never queued, so latency stays at one frame. A lost camera is
reported through ``on_status`` and reopened every ``retry_interval`` seconds until it comes
back; a corrupt frame is skipped (and reported); the end of a file stops the thread cleanly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from facefilter.capture.sources import (
    CaptureError,
    CorruptFrameError,
    FrameSource,
    SourceLostError,
    open_source,
)

log = logging.getLogger(__name__)

StatusCallback = Callable[[str], None]


class FrameGrabber:
    """Background reader of ``source`` (a spec for :func:`open_source`, or an open FrameSource).

    Opening happens in the constructor, so a bad camera index or file raises
    :class:`CaptureError` right away. ``on_status(message)`` is called from the grabber thread
    for losses, recoveries, skipped frames and the end of the stream. ``realtime`` paces files
    and image folders at their frame rate (default: on for them, cameras pace themselves).
    ``frames_read`` and ``frames_dropped`` count frames read and frames never taken.
    """

    def __init__(
        self,
        source: str | int | Path | FrameSource,
        on_status: StatusCallback | None = None,
        *,
        realtime: bool | None = None,
        retry_interval: float = 1.0,
        lost_after: int = 3,
    ) -> None:
        self.source: FrameSource = source if isinstance(source, FrameSource) else open_source(source)
        self.on_status = on_status
        self.realtime = (not self.source.is_camera) if realtime is None else realtime
        self.retry_interval = retry_interval
        self.lost_after = max(1, lost_after)
        self.frames_read = 0
        self.frames_taken = 0
        self.frames_skipped = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._frame: np.ndarray | None = None
        self._index = -1
        self._taken = -1
        self._ended = False
        self._thread: threading.Thread | None = None

    # -- consumer side -------------------------------------------------------------------------

    def start(self) -> FrameGrabber:
        """Start the reading thread (once); returns ``self``."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"FrameGrabber({self.source.name})", daemon=True)
            self._thread.start()
        return self

    def latest(self, timeout: float | None = 1.0) -> tuple[int, np.ndarray] | None:
        """The newest frame not yet handed out, as ``(frame_index, frame)``; waits up to ``timeout`` s.

        ``frame_index`` counts frames read from the source (0-based): a gap means frames were
        dropped. Returns ``None`` on timeout or once the stream has ended and its last frame
        has been taken (then :attr:`finished` is True).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._index <= self._taken and not self._ended:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            if self._index <= self._taken or self._frame is None:
                return None
            self._taken = self._index
            self.frames_taken += 1
            return self._index, self._frame

    @property
    def finished(self) -> bool:
        """True once the stream has ended (end of file, or stopped) and its last frame was taken."""
        with self._cond:
            return self._ended and self._index <= self._taken

    @property
    def frames_dropped(self) -> int:
        return max(0, self.frames_read - self.frames_taken - (1 if self._index > self._taken else 0))

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread and close the source (safe to call twice)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self.source.close()
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def __enter__(self) -> FrameGrabber:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- grabber thread ------------------------------------------------------------------------

    def _status(self, message: str) -> None:
        log.info(message)
        if self.on_status is not None:
            try:
                self.on_status(message)
            except Exception:  # a broken callback must not kill the capture thread
                log.exception("on_status callback failed")

    def _publish(self, frame: np.ndarray) -> None:
        with self._cond:
            self._index += 1
            self._frame = frame
            self.frames_read += 1
            self._cond.notify_all()

    def _read_one(self) -> np.ndarray | None:
        """Next frame; retries a failing camera ``lost_after`` times before raising SourceLostError."""
        for attempt in range(self.lost_after):
            try:
                return self.source.read()
            except SourceLostError:
                if attempt == self.lost_after - 1 or self._stop.wait(0.02):
                    raise
        raise AssertionError("unreachable")

    def _recover(self, reason: str) -> bool:
        """Reopen a lost camera until it delivers a frame again; False when stopped or impossible."""
        reopen = getattr(self.source, "reopen", None)
        if reopen is None:
            self._status(f"{self.source.name}: {reason}; cannot be reopened, stopping")
            return False
        self._status(f"{self.source.name} lost ({reason}); retrying every {self.retry_interval:g} s")
        attempts = 0
        while not self._stop.wait(self.retry_interval):
            attempts += 1
            try:
                if reopen():
                    frame = self.source.read()
                    self._status(f"{self.source.name} is back (after {attempts} attempt{'s' * (attempts > 1)})")
                    self._publish(frame)
                    return True
            except CaptureError:
                pass
        return False

    def _run(self) -> None:
        period = 1.0 / (self.source.fps if self.source.fps and self.source.fps > 0 else 30.0)
        next_time = time.monotonic()
        try:
            while not self._stop.is_set():
                try:
                    frame = self._read_one()
                except SourceLostError as exc:
                    if not self._recover(str(exc)):
                        break
                    next_time = time.monotonic()
                    continue
                except (CorruptFrameError, cv2.error) as exc:
                    self.frames_skipped += 1
                    self._status(f"skipped a frame: {exc}")
                    continue
                if frame is None:
                    self._status(f"end of {self.source.name} ({self.frames_read} frames)")
                    break
                if self.realtime:
                    next_time += period
                    delay = next_time - time.monotonic()
                    if delay > 0 and self._stop.wait(delay):
                        break
                    if delay < -period:  # far behind (a slow disk): do not try to catch up
                        next_time = time.monotonic()
                self._publish(frame)
        except Exception as exc:  # never die silently: report and end the stream
            log.exception("capture thread failed")
            self._status(f"{self.source.name}: capture failed ({type(exc).__name__}: {exc})")
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()
