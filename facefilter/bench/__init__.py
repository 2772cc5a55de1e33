"""``facefilter-bench``: scripts that print speed, accuracy and memory figures (not tests).

Sub-commands:

- ``model``: training img/s, inference ms per face;
- ``pipeline``: end-to-end tracking on synthetic clips against a MediaPipe Face Mesh reference,
  interleaved rounds, CPU share at 30 fps;
- ``filters``: render ms per face per layer;
- ``pose``: head pose accuracy and ms per face;
- ``background``: person mask and background effect (ms per frame, face coverage, edge flicker,
  ghosting);
- ``swap``: whose face a face swap shows (dlib's face descriptor), what it keeps, ms per face, the
  seam (feathered against Poisson);
- ``sheet``: a contact sheet of a pipeline clip (tracked points per frame, tracker variants);
- ``tracker-ab``: the pipeline's FPS with another revision's tracker beside today's, interleaved;
- ``real``: the tracker on real footage (ghost faces on no-face clips, faces found in groups);
- ``yaw``: landmark error by head yaw (300-W validation NME; our stable points against Face
  Mesh's on real footage);
- ``lifecycle``: memory when trackers, detectors, segmenters and landmark runtimes are made, used
  and dropped;
- ``expression``: the expression model's ms per face, its smoothed labels on real clips.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "model": "facefilter.bench.model",
    "pipeline": "facefilter.bench.pipeline",
    "filters": "facefilter.bench.filters",
    "pose": "facefilter.bench.pose",
    "background": "facefilter.bench.background",
    "swap": "facefilter.bench.swap",
    "sheet": "facefilter.bench.sheet",
    "tracker-ab": "facefilter.bench.tracker_ab",
    "real": "facefilter.bench.real",
    "yaw": "facefilter.bench.yaw",
    "lifecycle": "facefilter.bench.lifecycle",
    "expression": "facefilter.bench.expression",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: facefilter-bench {{{','.join(COMMANDS)}}} [options]  (each takes --help)", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[argv[0]])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
