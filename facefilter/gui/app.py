"""``facefilter``: start the desktop app (default camera, shipped weights, offline).

``facefilter --source clip.mp4 --filter sunglasses --background blur`` plays a file instead of the
camera, with a filter and the background blurred. For
scripted runs (tests, README screenshots, soak runs) ``--screenshot``/``--screenshot-at`` grab
the window and ``--quit-after`` closes it; both count seconds from the first frame the pipeline
processed (the camera's frames show unprocessed while the models load beside them), so the
models' loading time does not matter.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

QT_OPTIONS = ("platform", "style", "stylesheet", "session", "qwindowgeometry", "qwindowtitle", "qwindowicon",
              "display", "geometry", "plugin", "platformpluginpath", "platformtheme")
QT_FLAGS = ("reverse", "nograb", "dograb", "widgetcount")
NO_FRAME_GRACE_S = 90.0  # with --quit-after: give up (exit code 1) when no frame was shown by then


@dataclass
class AppOptions:
    """Command-line options (see ``facefilter --help``); ``None`` means: use the remembered setting."""

    source: str | None = None
    device: str | None = None
    precision: str = "int8"
    max_faces: int | None = None
    filter: str | None = None
    background: str | None = None
    mirror: bool | None = None
    overlay: bool | None = None
    loop: bool = True
    output_dir: Path | None = None
    settings_file: Path | None = None
    size: tuple[int, int] | None = None
    screenshot: Path | None = None
    screenshot_at: list[float] = field(default_factory=lambda: [2.0])
    quit_after: float | None = None
    stats_every: float = 0.0
    qt_args: list[str] = field(default_factory=list)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, e.g. 1280x800, got {text!r}") from None
    return w, h


def _background(text: str) -> str:
    from facefilter.background import BackgroundError, BackgroundSpec

    try:
        return str(BackgroundSpec.parse(text))
    except BackgroundError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_args(argv: Sequence[str] | None = None) -> AppOptions:
    p = argparse.ArgumentParser(
        prog="facefilter",
        description="Real-time face filters on your webcam, with our own 68-point landmark model.",
        epilog="Keys: Left/Right filters, 0 no filter, L landmarks, M mirror, S snapshot, R record, "
        "V virtual camera, F11 full screen, F1 all shortcuts.",
    )
    p.add_argument("--source", help="camera index (0, 1, ...) or a video file / folder of images "
                   "(default: the last camera used)")
    p.add_argument("--device", help="device for the landmark model, e.g. cpu or cuda (default: CUDA if present)")
    p.add_argument("--precision", choices=("int8", "fp32"), default="int8",
                   help="landmark network on the CPU: int8 (default, ~4x faster) or exact fp32")
    p.add_argument("--max-faces", type=int, metavar="N",
                   help="most faces tracked at once; the largest first (default: 10, a group selfie)")
    p.add_argument("--filter", help="filter to start with ('none' for none; default: the last one used)")
    p.add_argument("--background", type=_background, metavar="EFFECT",
                   help="background effect: none, blur, blur:STRENGTH (up to 60; blur is 12), desaturate, "
                   "color:#RRGGBB, image:PATH, or a shipped picture: image:office, image:studio, image:beach "
                   "(default: the last one used)")
    p.add_argument("--no-mirror", dest="mirror", action="store_const", const=False, default=None,
                   help="do not mirror the camera picture (mirrored by default, like a selfie)")
    p.add_argument("--overlay", dest="overlay", action="store_const", const=True, default=None,
                   help="start with the landmark overlay on")
    p.add_argument("--no-loop", dest="loop", action="store_false", help="stop at the end of a video file")
    p.add_argument("--output-dir", type=Path,
                   help="folder for snapshots and recordings (default: Pictures/facefilter, Videos/facefilter)")
    p.add_argument("--settings", dest="settings_file", type=Path,
                   help="read and write settings in this INI file instead of the user's settings")
    p.add_argument("--size", type=_size, help="window size WIDTHxHEIGHT (default: the last size)")
    p.add_argument("--screenshot", type=Path, help="save a grab of the window as PNG (+ a .json description); "
                   "with several --screenshot-at times, PATH gets -1, -2 ... before the suffix")
    p.add_argument("--screenshot-at", type=float, nargs="+", default=[2.0], metavar="SECONDS",
                   help="when to grab, in seconds after the first frame is shown (default: 2)")
    p.add_argument("--quit-after", type=float, metavar="SECONDS",
                   help="close the window this many seconds after the first frame is shown")
    p.add_argument("--stats-every", type=float, default=0.0, metavar="SECONDS",
                   help="print FPS, faces, latency and memory to stdout every SECONDS")
    args, rest = p.parse_known_args(argv)
    if args.max_faces is not None and args.max_faces < 1:
        p.error(f"--max-faces must be at least 1, got {args.max_faces}")
    qt_args = []
    while rest:  # Qt's own options (-platform offscreen, -style fusion ...) go on to QApplication
        arg = rest.pop(0)
        if arg.lstrip("-") in QT_FLAGS:
            qt_args.append(arg)
        elif arg.lstrip("-") in QT_OPTIONS and rest:
            qt_args += [arg, rest.pop(0)]
        else:
            p.error(f"unrecognized argument: {arg}")
    return AppOptions(
        source=args.source, device=args.device, precision=args.precision, max_faces=args.max_faces, filter=args.filter,
        background=args.background, mirror=args.mirror,
        overlay=args.overlay,
        loop=args.loop, output_dir=args.output_dir, settings_file=args.settings_file, size=args.size,
        screenshot=args.screenshot, screenshot_at=sorted(args.screenshot_at), quit_after=args.quit_after,
        stats_every=args.stats_every, qt_args=qt_args,
    )


def rss_mb() -> float:
    """Resident memory of this process in MiB (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, AttributeError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (2**20 if sys.platform == "darwin" else 2**10)


_IMPORTED_AT = time.monotonic()


def seconds_since_launch() -> float:
    """Seconds since this process started (Linux: from /proc; elsewhere since this module was imported)."""
    try:
        with open("/proc/self/stat") as f:
            start_ticks = float(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic() - _IMPORTED_AT


def load_all_filters() -> tuple[dict[str, Any], list[str]]:
    """Built-in filters, then the user's (a user filter never replaces a built-in of the same name);
    returns ``(filters, errors)``, one message per filter that could not be loaded."""
    from facefilter.filters import FilterError, builtin_filters, load_filters, user_filter_dir
    from facefilter.filters.loader import builtin_dir

    try:
        filters, errors = builtin_filters(), []
    except FilterError:  # a broken install: keep the built-ins that load, say which do not
        filters, errors = load_filters([builtin_dir()])
    user, user_errors = load_filters([user_filter_dir()])
    errors += user_errors
    for name, flt in user.items():
        if name in filters:
            errors.append(f"filter '{name}': user filter skipped, a built-in filter has this name")
        else:
            filters[name] = flt
    return filters, errors


def checked_background(text: str) -> str:
    """``text`` (a parsed ``--background`` choice), or ``none`` with one message on stderr naming the
    file when its picture cannot be used (the effect stays off; the app still starts)."""
    from facefilter.background import BackgroundError, BackgroundKind, BackgroundSpec, load_background_image

    spec = BackgroundSpec.parse(text)
    if spec.kind is BackgroundKind.IMAGE:
        try:
            load_background_image(spec.image_path())
        except BackgroundError as exc:
            print(f"facefilter: {exc}; background effect off", file=sys.stderr)
            return "none"
    return str(spec)


def pipeline_factory(filters: dict[str, Any], device: str | None, precision: str = "int8",
                     max_faces: int | None = None) -> Callable[[], Any]:
    """Builds the real pipeline (model + BlazeFace + filters) when called, on the worker thread.

    ``max_faces``: faces tracked at once (None: :class:`~facefilter.tracker.TrackerConfig`'s default)."""

    def build() -> Any:
        from facefilter.pipeline import Pipeline
        from facefilter.tracker import FaceTracker, TrackerConfig

        return Pipeline(FaceTracker(device=device, max_faces=max_faces, config=TrackerConfig(precision=precision)),
                        filters)

    return build


def run(opts: AppOptions, on_stats: Callable[[dict[str, float]], None] | None = None) -> int:
    """Run the app until its window closes; returns the exit code.

    ``on_stats(sample)`` (with ``stats_every`` > 0) gets ``{"t", "fps", "faces", "latency_ms",
    "rss_mb", "frames"}`` every ``stats_every`` seconds (the soak script uses it).
    """
    from PyQt6.QtCore import QLoggingCategory, QSettings, QTimer
    from PyQt6.QtWidgets import QApplication

    from facefilter.gui.icons import icon
    from facefilter.gui.settings import APPLICATION, ORGANIZATION, AppSettings, default_qsettings
    from facefilter.gui.theme import apply_dark_theme
    from facefilter.gui.window import MainWindow
    from facefilter.gui.worker import LOADING_STATUS, PipelineWorker

    # QtMultimedia (camera names) reports its optional codec libraries at start-up; not news for users.
    QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver=false\nqt.multimedia.ffmpeg.info=false")
    app = QApplication.instance() or QApplication([sys.argv[0], *opts.qt_args])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("facefilter")
    apply_dark_theme(app)
    app.setWindowIcon(icon("landmarks"))

    filters, errors = load_all_filters()
    if opts.filter is not None and opts.filter.lower() != "none" and opts.filter not in filters:
        print(f"facefilter: unknown filter {opts.filter!r}; available: {', '.join(filters) or 'none'}",
              file=sys.stderr)
        return 2

    store = QSettings(str(opts.settings_file), QSettings.Format.IniFormat) if opts.settings_file \
        else default_qsettings()
    settings = AppSettings.load(store)
    if opts.filter is not None:
        settings.filter = None if opts.filter.lower() == "none" else opts.filter
    if opts.background is not None:
        settings.background = checked_background(opts.background)
    if opts.mirror is not None:
        settings.mirror = opts.mirror
    if opts.overlay is not None:
        settings.overlay = opts.overlay

    worker = PipelineWorker(pipeline_factory(filters, opts.device, opts.precision, opts.max_faces),
                            loop_files=opts.loop)
    window = MainWindow(worker, filters, store, settings=settings, source=opts.source, output_dir=opts.output_dir,
                        filter_errors=errors)
    if opts.size is not None:
        window.resize(*opts.size)
    window.show()
    window.start()

    exit_code = 0
    started = time.monotonic()
    first_frame: list[float] = []
    timers: list[QTimer] = []

    def after(seconds: float, fn: Callable[[], None]) -> None:
        t = QTimer(window)
        t.setSingleShot(True)
        t.timeout.connect(fn)
        t.start(max(0, round(seconds * 1000)))
        timers.append(t)

    def grab(i: int) -> None:
        assert opts.screenshot is not None
        path = opts.screenshot
        if len(opts.screenshot_at) > 1:
            path = path.with_name(f"{path.stem}-{i + 1}{path.suffix}")
        info = window.save_screenshot(path)
        print(f"facefilter: screenshot {path} ({info['frames_shown']} frames shown, "
              f"{len(info['faces'])} face(s))", flush=True)

    shown: list[float] = []  # when the first frame of all was painted (models maybe still loading)

    def on_first_frame(rendered: Any) -> None:
        if not shown:
            shown.append(time.monotonic())
        if first_frame or getattr(rendered, "filter_status", "") == LOADING_STATUS:
            return
        first_frame.append(time.monotonic())
        since = seconds_since_launch()
        print(f"facefilter: first frame shown {since - (first_frame[0] - shown[0]):.2f} s after launch, "
              f"first filtered frame {since:.2f} s", flush=True)
        if opts.screenshot is not None:
            for i, at in enumerate(opts.screenshot_at):
                after(at, lambda i=i: grab(i))
        if opts.quit_after is not None:
            after(opts.quit_after, window.close)

    worker.frameReady.connect(on_first_frame)

    def give_up() -> None:
        nonlocal exit_code
        if not first_frame:
            print(f"facefilter: no frame shown after {NO_FRAME_GRACE_S:g} s; quitting", file=sys.stderr)
            exit_code = 1
            window.close()

    if opts.quit_after is not None:
        after(NO_FRAME_GRACE_S + opts.quit_after, give_up)

    if opts.stats_every > 0:
        def sample() -> None:
            rf = window.last_frame
            stats = {
                "t": time.monotonic() - started,
                "fps": rf.stats.fps if rf else 0.0,
                "faces": float(rf.stats.faces) if rf else 0.0,
                "latency_ms": window.latency_ms,
                "rss_mb": rss_mb(),
                "frames": float(worker.frames_processed),
            }
            if on_stats is not None:
                on_stats(stats)
            else:
                print("facefilter: " + " ".join(f"{k}={v:.1f}" for k, v in stats.items()), flush=True)

        stats_timer = QTimer(window)
        stats_timer.timeout.connect(sample)
        stats_timer.start(round(opts.stats_every * 1000))

    # Ctrl+C in the terminal closes the window cleanly (Python sees signals only between Qt events).
    signal.signal(signal.SIGINT, lambda *_: window.close())
    tick = QTimer(window)
    tick.timeout.connect(lambda: None)
    tick.start(200)

    app.exec()
    if not window.isHidden():
        window.close()
    print(f"facefilter: {window.frames_shown} frames shown", flush=True)
    return exit_code


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
