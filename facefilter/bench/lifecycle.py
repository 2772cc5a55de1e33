"""Memory when native objects are made, used once and dropped: is anything held after they go?

``facefilter-bench lifecycle [--kind tracker|detector|segmenter|landmarks] [--count 30]`` makes one
object first (imports, caches and the allocator's first arenas are not what we measure), then
``--count`` more, each used on one frame and dropped (``--close`` closes each explicitly instead,
``--with`` uses it as a context manager), with ``gc.collect()`` after each, and prints the
resident memory (RSS, from /proc) after every few objects and the growth over the ``--count``.
Freed memory that the C allocator keeps for reuse counts as resident, so the growth is also shown
after ``malloc_trim(0)`` (glibc), which hands free pages back: what is left then is held.
The frame is a group photo from ``../shared/data/real-dev`` when there, else a synthetic one.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from facefilter.data import SHARED_DATA

KINDS = ("tracker", "detector", "segmenter", "landmarks")
DEFAULT_FRAME = SHARED_DATA / "real-dev" / "grp_bbt5.jpg"


def rss_mb() -> float:
    """Resident memory of this process in MiB (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def malloc_trim() -> bool:
    """Ask glibc to give free heap pages back to the system; False where there is no glibc."""
    try:
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):
        return False


def load_frame(path: Path | None) -> np.ndarray:
    """An HxWx3 uint8 BGR frame: ``path``, else the default group photo, else a grey test card."""
    import cv2

    for p in (path, DEFAULT_FRAME):
        if p is not None and p.is_file():
            frame = cv2.imread(str(p))
            if frame is not None:
                return frame
            if p == path:
                raise SystemExit(f"{p}: not an image OpenCV can read")
    frame = np.full((480, 640, 3), 128, np.uint8)
    cv2.circle(frame, (320, 240), 90, (150, 170, 200), -1)
    return frame


def factory(kind: str, frame: np.ndarray) -> Callable[[], object]:
    """A function that makes one object of ``kind`` and uses it once on ``frame``."""
    if kind == "tracker":
        from facefilter.tracker import FaceTracker

        def make() -> object:
            t = FaceTracker()
            t.process(frame)
            return t
    elif kind == "detector":
        from facefilter.detect.blazeface import BlazeFaceDetector

        def make() -> object:
            d = BlazeFaceDetector()
            d.detect(frame)
            return d
    elif kind == "segmenter":
        from facefilter.background.segmenter import PersonSegmenter

        def make() -> object:
            s = PersonSegmenter()
            s.mask(frame)
            return s
    elif kind == "landmarks":
        import cv2

        from facefilter.landmarks import LandmarkModel

        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        box = np.array([[frame.shape[1] / 3, frame.shape[0] / 3, frame.shape[1] / 4, frame.shape[1] / 4]])

        def make() -> object:
            m = LandmarkModel.load_runtime() if hasattr(LandmarkModel, "load_runtime") else LandmarkModel.load_single()
            m.predict(grey, box)
            return m
    else:
        raise SystemExit(f"--kind must be one of {', '.join(KINDS)}, got {kind!r}")
    return make


def release(obj: object, how: str) -> None:
    """Drop ``obj`` the way ``how`` says: ``drop`` (no close), ``close`` or ``with`` (close on exit)."""
    if how in ("close", "with"):
        close = getattr(obj, "close", None)
        if close is None:
            raise SystemExit(f"{type(obj).__name__} has no close()")
        if how == "with":
            with obj:  # type: ignore[attr-defined]
                pass
        else:
            close()


def run(kind: str, count: int, how: str, frame: np.ndarray, every: int = 5) -> dict[str, float]:
    """Make, use and drop ``count`` objects after one warm-up object; RSS figures in MiB."""
    make = factory(kind, frame)
    obj = make()
    release(obj, how)
    del obj
    gc.collect()
    malloc_trim()
    start = rss_mb()
    trace = []
    for i in range(1, count + 1):
        obj = make()
        release(obj, how)
        del obj
        gc.collect()
        if i % every == 0 or i == count:
            trace.append((i, rss_mb() - start))
            print(f"  {kind} {i:3d}: +{trace[-1][1]:7.1f} MiB", flush=True)
    grown = rss_mb() - start
    trimmed = malloc_trim()
    held = rss_mb() - start
    return {"count": count, "start_mb": start, "growth_mb": grown, "held_mb": held if trimmed else float("nan")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="facefilter-bench lifecycle", description=__doc__.split("\n\n")[0])
    ap.add_argument("--kind", choices=KINDS, action="append", help="object kinds (repeatable; default: all)")
    ap.add_argument("--count", type=int, default=30, help="objects made, used and dropped per kind (default 30)")
    how = ap.add_mutually_exclusive_group()
    how.add_argument("--close", dest="how", action="store_const", const="close", help="close() each one")
    how.add_argument("--with", dest="how", action="store_const", const="with", help="use each in a with block")
    ap.add_argument("--frame", type=Path, help="image to use them on (default: a real-dev group photo)")
    args = ap.parse_args(argv)
    if args.count < 1:
        ap.error("--count must be >= 1")
    how_used = args.how or "drop"
    frame = load_frame(args.frame)
    rows = []
    for kind in args.kind or KINDS:
        print(f"{kind}: {args.count} made, used on one {frame.shape[1]}x{frame.shape[0]} frame, {how_used}", flush=True)
        rows.append((kind, run(kind, args.count, how_used, frame)))
    print("\n| object | count | released by | RSS growth (MiB) | after malloc_trim (MiB) |\n|---|---|---|---|---|")
    for kind, r in rows:
        print(f"| {kind} | {r['count']} | {how_used} | {r['growth_mb']:.1f} | {r['held_mb']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
