"""``facefilter-bench tracker-ab``: the whole pipeline's FPS with another version of the tracker
beside today's, on the same clips, runs interleaved.

``--old FILE`` is a ``tracker.py`` from another revision (``git show REV:facefilter/tracker.py >
/tmp/old_tracker.py``); it is loaded as a module of its own and must offer ``FaceTracker`` and
``TrackerConfig`` with today's constructor arguments. Each clip of :mod:`facefilter.bench.pipeline`
(``--faces``, ``--speeds``) runs ``--rounds`` times per tracker, alternating which goes first, in
this process, through :func:`facefilter.bench.pipeline.run_pipeline` (decode, track, render the
filter: what the app does per frame). Printed per clip: median FPS over the rounds, the median and
mean per-frame ms, and today's FPS over the old one. A benchmark, not a test: the figures depend
on the machine and on whatever else runs on it.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from facefilter.bench import pipeline as bench_pipeline


def load_tracker_module(path: Path) -> ModuleType:
    """The tracker module in ``path``, loaded under a name of its own (not ``facefilter.tracker``)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such tracker file")
    spec = importlib.util.spec_from_file_location("facefilter_bench_old_tracker", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    for name in ("FaceTracker", "TrackerConfig"):
        if not hasattr(module, name):
            raise ImportError(f"{path}: has no {name}")
    return module


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="facefilter-bench tracker-ab", description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", type=Path, required=True, help="tracker.py of the other revision")
    ap.add_argument("--data", type=Path, default=bench_pipeline.DEFAULT_DATA, help="300-W folder with labels.xml")
    ap.add_argument("--faces", default="1,3,2@70", help="clips, as facefilter-bench pipeline --faces")
    ap.add_argument("--speeds", default="1", help="motion speeds, as facefilter-bench pipeline --speeds")
    ap.add_argument("--frontal-only", action="store_true",
                    help="clips of fairly frontal faces, as facefilter-bench pipeline --frontal-only")
    ap.add_argument("--rounds", type=int, default=3, help="runs per tracker and clip")
    ap.add_argument("--filter", default=None, metavar="NAME", help="built-in filter rendered (default: sunglasses)")
    args = ap.parse_args(argv)
    try:
        old = load_tracker_module(args.old)
    except (OSError, ImportError, SyntaxError) as exc:
        print(f"facefilter-bench tracker-ab: {exc}", file=sys.stderr)
        return 2
    import facefilter.tracker as current

    trackers = {"old": (old.FaceTracker, old.TrackerConfig), "new": (current.FaceTracker, current.TrackerConfig)}
    opts: dict[str, object] = {"redetect": 10, "flip_test": False, "backend": "onnx", "device": None,
                               "weights": None, "threads": 0, "no_smoothing": False, "precision": "int8",
                               "background": "none", "filter": args.filter}  # fmt: skip
    print(f"tracker A/B: old = {args.old}, new = facefilter.tracker; {args.rounds} rounds each, interleaved; "
          "FPS = frames / wall time of decode + track + render")  # fmt: skip
    saved = trackers["new"]
    try:
        with tempfile.TemporaryDirectory(prefix="facefilter-bench-") as tmp:
            for spec in bench_pipeline.clip_specs(args.faces, args.speeds, 2.0, 8.0, 2.0, args.frontal_only):
                clip, _ = bench_pipeline.build_clip(spec, args.data, Path(tmp))
                runs: dict[str, list[tuple[float, float, float]]] = {"old": [], "new": []}
                for r in range(args.rounds):
                    for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
                        current.FaceTracker, current.TrackerConfig = trackers[name]  # type: ignore[misc]
                        res = bench_pipeline.run_pipeline("ours", str(clip), opts)
                        total = [t["total"] for t in res["timings"]]  # type: ignore[union-attr]
                        fps = res["frames"] / res["wall_s"]  # type: ignore[operator]
                        runs[name].append((fps, statistics.median(total), statistics.mean(total)))
                current.FaceTracker, current.TrackerConfig = saved  # type: ignore[misc]
                line = f"{spec.name:16s}"
                for name in ("old", "new"):
                    fps, med, mean = (statistics.median(v[k] for v in runs[name]) for k in range(3))
                    line += f" | {name}: {fps:5.1f} FPS, frame ms median {med:5.2f} mean {mean:5.2f}"
                ratio = statistics.median(v[0] for v in runs["new"]) / statistics.median(v[0] for v in runs["old"])
                print(f"{line} | new/old FPS {ratio:.3f}", flush=True)
    finally:
        current.FaceTracker, current.TrackerConfig = saved  # type: ignore[misc]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
