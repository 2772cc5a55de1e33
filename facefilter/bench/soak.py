"""Soak run of the desktop app: the real window, worker and pipeline on a looping clip for minutes.

``python -m facefilter.bench.soak --minutes 10 --source clip.mp4`` prints, every ``--every``
seconds, the app's FPS, frames processed, faces and resident memory, then a summary: memory
growth after the warm-up (total and MiB per minute, least-squares slope) and FPS range. Without
``--source`` it builds the one-face clip of ``facefilter-bench pipeline`` from the shared data.
Without a display it uses Qt's offscreen platform. Not a test: it takes as long as you ask.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np


def build_default_clip(out_dir: Path) -> Path:
    from facefilter.bench.pipeline import DEFAULT_DATA, ClipSpec, build_clip

    path, _ = build_clip(ClipSpec(faces=1, still=2.0, motion=8.0), DEFAULT_DATA, out_dir)
    return path


def summarize(samples: list[dict[str, float]], warmup_s: float) -> dict[str, float]:
    """Memory growth after ``warmup_s`` (first/last RSS, slope in MiB/min) and FPS statistics."""
    steady = [s for s in samples if s["t"] >= warmup_s] or samples[-1:]
    t = np.array([s["t"] for s in steady]) / 60.0
    rss = np.array([s["rss_mb"] for s in steady])
    fps = np.array([s["fps"] for s in steady])
    slope = float(np.polyfit(t, rss, 1)[0]) if len(steady) >= 3 and np.ptp(t) > 0 else 0.0
    frames = samples[-1]["frames"] if samples else 0.0
    return {
        "minutes": samples[-1]["t"] / 60.0 if samples else 0.0,
        "frames": frames,
        "rss_first_mb": float(rss[0]),
        "rss_last_mb": float(rss[-1]),
        "rss_max_mb": float(rss.max()),
        "rss_growth_mb": float(rss[-1] - rss[0]),
        "rss_slope_mb_per_min": slope,
        "fps_mean": float(fps.mean()),
        "fps_min": float(fps.min()),
        "fps_max": float(fps.max()),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m facefilter.bench.soak", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    p.add_argument("--source", help="video file or folder, looped (default: the benchmark's one-face clip)")
    p.add_argument("--every", type=float, default=30.0, help="seconds between samples (default 30)")
    p.add_argument("--warmup", type=float, default=60.0, help="seconds left out of the memory trend (default 60)")
    p.add_argument("--filter", default="sunglasses", help="filter to run ('none' for none)")
    p.add_argument("--overlay", action="store_true", help="draw the landmark overlay too")
    p.add_argument("--device", help="landmark model device (default: CUDA if present)")
    p.add_argument("--json", type=Path, help="also write the samples and the summary here")
    args = p.parse_args(argv)

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from facefilter.gui.app import AppOptions, run  # imports Qt only when run

    with tempfile.TemporaryDirectory(prefix="facefilter-soak-") as tmp:
        source = args.source or str(build_default_clip(Path(tmp)))
        samples: list[dict[str, float]] = []

        def on_stats(s: dict[str, float]) -> None:
            samples.append(s)
            print(f"t={s['t'] / 60:6.2f} min  fps={s['fps']:5.1f}  frames={s['frames']:8.0f}  "
                  f"faces={s['faces']:.0f}  latency={s['latency_ms']:5.0f} ms  rss={s['rss_mb']:7.1f} MiB",
                  flush=True)

        opts = AppOptions(source=source, device=args.device, filter=args.filter, overlay=args.overlay or None,
                          output_dir=Path(tmp) / "out", settings_file=Path(tmp) / "settings.ini",
                          quit_after=args.minutes * 60.0, stats_every=args.every)
        code = run(opts, on_stats=on_stats)
    if not samples:
        print("soak: no samples (the app closed before the first one)", file=sys.stderr)
        return code or 1
    summary = summarize(samples, args.warmup)
    print("summary: " + "  ".join(f"{k}={v:.2f}" for k, v in summary.items()), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"samples": samples, "summary": summary, "source": source}, indent=1))
    return code


if __name__ == "__main__":
    sys.exit(main())
