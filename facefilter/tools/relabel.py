"""Re-label faces with a landmark model: pseudo-labels for machine-annotated extra data.

``python -m facefilter.tools.relabel --data ../shared/data/youtube-faces-68 --out runs/yt-pseudo``
predicts the 68 points of every face at ``--data`` with the shipped ensemble (or ``--weights``)
and writes ``OUT/labels.xml`` in the same dlib/300-W layout, pointing at the original images
(absolute paths; nothing is copied). Each face is predicted from its own ``<box>``, then again
from the tight box of the first prediction (``--passes``), so the box follows the model's
markup rather than the other labeller's. It prints how far the new points are from the old ones
(NME, inter-ocular), which measures the disagreement between the two markups.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import cv2
import numpy as np

from facefilter.data import DatasetError, FaceRecord, load_many, tight_box
from facefilter.landmarks import LandmarkModel, WeightsError
from facefilter.landmarks.metrics import nme

log = logging.getLogger(__name__)


def relabel(model: LandmarkModel, records: list[FaceRecord], passes: int = 2) -> list[FaceRecord | None]:
    """``records`` with ``model``'s points (and their tight boxes), in order; ``None`` where the
    image cannot be read (logged as a warning naming the file)."""
    if passes < 1:
        raise ValueError(f"passes must be >= 1, got {passes}")
    out: list[FaceRecord | None] = []
    for rec in records:
        image = cv2.imread(str(rec.image), cv2.IMREAD_GRAYSCALE)
        if image is None or image.size == 0:
            log.warning("%s: missing or corrupt image, face skipped", rec.image)
            out.append(None)
            continue
        box = rec.box
        for _ in range(passes):
            pts = model.predict(image, box[None])[0]
            box = tight_box(pts)
        out.append(FaceRecord(rec.image.resolve(), box, pts))
    return out


def write_labels_xml(records: list[FaceRecord], path: Path, comment: str = "") -> None:
    """dlib/300-W labels XML: one ``<image>`` per face, absolute image paths, 0-based float pixels."""
    lines = ["<?xml version='1.0' encoding='utf-8'?>", "<dataset>", f"<comment>{escape(comment)}</comment>", "<images>"]
    for rec in records:
        left, top, w, h = (float(v) for v in rec.box)
        lines.append(f"  <image file={quoteattr(str(rec.image))}>")
        lines.append(f"    <box top='{top:.2f}' left='{left:.2f}' width='{w:.2f}' height='{h:.2f}'>")
        lines += [f"      <part name='{i:02d}' x='{x:.2f}' y='{y:.2f}'/>" for i, (x, y) in enumerate(rec.points)]
        lines += ["    </box>", "  </image>"]
    lines += ["</images>", "</dataset>", ""]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m facefilter.tools.relabel", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", action="append", required=True, metavar="PATH",
                   help="annotations to re-label (repeatable)")
    p.add_argument("--out", required=True, help="folder for labels.xml")
    p.add_argument("--weights", default=None, help="weights file (default: the shipped ensemble)")
    p.add_argument("--multi-crop", action="store_true", help="average the seven test-time crops (7x slower)")
    p.add_argument("--passes", type=int, default=2, help="predictions per face, each from the last one's tight box")
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cv2.setNumThreads(1)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    try:
        records = load_many(args.data).records
        model = LandmarkModel.load(args.weights, device="cpu", multi_crop=args.multi_crop)
    except (DatasetError, WeightsError) as exc:
        print(f"relabel: {exc}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    results = relabel(model, records, args.passes)
    new = [r for r in results if r is not None]
    if not new:
        print(f"relabel: no readable image among the {len(records)} faces of {', '.join(args.data)}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    source = model.source.name if model.source else "?"
    comment = (f"points predicted by facefilter ({source} + {len(model.companions)} companion(s), "
               f"{len(model.crops)} crop(s), {args.passes} pass(es))")
    write_labels_xml(new, out / "labels.xml", comment)
    old = np.stack([r.points for r, n in zip(records, results, strict=True) if n is not None])
    d = nme(np.stack([r.points for r in new]), old) * 100
    print(f"{len(new)} faces re-labelled in {time.perf_counter() - t0:.0f} s -> {out / 'labels.xml'} "
          f"({len(records) - len(new)} skipped)")
    print(f"distance to the old labels: NME median {np.median(d):.2f}%, mean {d.mean():.2f}%, "
          f"90th percentile {np.percentile(d, 90):.2f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
