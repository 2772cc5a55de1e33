"""``facefilter-eval``: score landmark weights with the standard 300-W metrics.

NME normalised by the inter-ocular (outer eye corner) distance, failure rate at NME > 8%,
AUC of the cumulative error distribution up to 8%, and median milliseconds per face. Faces
are cropped from the tight box around their ground-truth points, as in 300-W. ``--resize`` and
``--noise`` re-render the faces at another resolution, with sensor noise, to measure how the
scores hold up on photos unlike the training crops.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from facefilter.data import DatasetError, FaceRecord, load_many, split_indices, tight_box
from facefilter.landmarks import LandmarkModel, WeightsError
from facefilter.landmarks.metrics import auc, ced_curve, failure_rate, nme

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalResult:
    """Scores of one evaluation (NME, failure rate in %; AUC in [0, 1])."""

    faces: int
    skipped: int
    nme: float
    failure_rate: float
    auc: float
    median_ms_per_face: float
    flip_test: bool
    networks: int
    crops: int  # test-time crops averaged per face
    # Mean NME (%) and face count per collection: the folder that holds each image (helen, lfpw, afw).
    by_collection: dict[str, tuple[float, int]]
    resize: float = 1.0  # the faces re-rendered at this scale (--resize) ...
    noise: float = 0.0  # ... with Gaussian noise of this many grey levels (--noise)


def rescale(
    image: np.ndarray, points: np.ndarray, factor: float, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``image`` resized by ``factor`` (cubic up, area down) plus Gaussian noise of ``noise``
    grey levels, and ``points`` moved with it (pixel centres at integers)."""
    if factor != 1.0:
        interp = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
        h, w = image.shape[:2]
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        image = cv2.resize(image, size, interpolation=interp)
        scale = np.array([size[0] / w, size[1] / h])
        points = (points + 0.5) * scale - 0.5
    if noise > 0:
        image = np.clip(image + rng.normal(0.0, noise, image.shape), 0, 255).astype(np.uint8)
    return image, points


def evaluate(
    model: LandmarkModel, records: list[FaceRecord], skipped: int = 0, resize: float = 1.0, noise: float = 0.0,
) -> tuple[EvalResult, np.ndarray]:
    """Predict every face from its tight ground-truth box; returns the scores and per-face NME.

    ``resize``, ``noise``: score the faces re-rendered by :func:`rescale` (noise seeded, so runs repeat).
    """
    preds, gts, times, groups = [], [], [], []
    rng = np.random.default_rng(0)
    for r in records:
        image = cv2.imread(str(r.image), cv2.IMREAD_COLOR)
        if image is None:
            log.warning("%s: missing or corrupt image, face skipped", r.image)
            skipped += 1
            continue
        image, points = rescale(image, r.points, resize, noise, rng)
        t0 = time.perf_counter()
        preds.append(model.predict(image, tight_box(points)[None])[0])
        times.append((time.perf_counter() - t0) * 1000)
        gts.append(points)
        groups.append(r.image)
    if not preds:
        raise DatasetError("no face could be evaluated (every image was missing or corrupt)")
    errors = nme(np.stack(preds), np.stack(gts))
    result = EvalResult(
        faces=len(errors), skipped=skipped, nme=float(errors.mean() * 100),
        failure_rate=failure_rate(errors) * 100, auc=auc(errors), median_ms_per_face=float(np.median(times)),
        flip_test=model.flip_test, networks=1 + len(model.companions), crops=len(model.crops),
        by_collection=by_collection(errors, collection_names(groups)), resize=resize, noise=noise,
    )
    return result, errors


def collection_names(images: list[Path]) -> list[str]:
    """Each image's collection: the first folder below the folder all images share.

    ``afw/1.jpg``, ``helen/trainset/2.jpg``, ``lfpw/trainset/3.jpg`` -> ``afw``, ``helen``, ``lfpw``;
    images that sit directly in the shared folder take its name.
    """
    if not images:
        return []
    root = Path(os.path.commonpath([p.parent for p in images]))
    return [p.relative_to(root).parts[0] if p.parent != root else root.name for p in images]


def by_collection(errors: np.ndarray, groups: list[str]) -> dict[str, tuple[float, int]]:
    """``{group: (mean NME in %, faces)}`` for per-face ``errors`` (fractions) labelled by ``groups``."""
    names = np.asarray(groups)
    return {g: (float(errors[names == g].mean() * 100), int((names == g).sum())) for g in sorted(set(groups))}


def _number(text: str, zero_ok: bool) -> float:
    value = float(text)
    if not (np.isfinite(value) and (value >= 0 if zero_ok else value > 0)):
        raise argparse.ArgumentTypeError(f"must be a {'number >= 0' if zero_ok else 'positive number'}, got {text}")
    return value


def _positive(text: str) -> float:
    return _number(text, zero_ok=False)


def _non_negative(text: str) -> float:
    return _number(text, zero_ok=True)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="facefilter-eval", description=__doc__)
    p.add_argument("--data", action="append", required=True, metavar="PATH",
                   help="labels XML, official 300-W folder (uses its _test.xml), folder with labels.xml, "
                        "or folder of images + .pts (repeatable)")
    p.add_argument("--weights", help="safetensors or training checkpoint (default: the shipped weights)")
    p.add_argument("--companion", action="append", metavar="WEIGHTS",
                   help="more weights whose predictions are averaged with --weights' (repeatable; default: the "
                        "shipped companions when --weights is not given)")
    p.add_argument("--single", action="store_true", help="only --weights' network, no companions")
    p.add_argument("--split", choices=["all", "val"], default="all",
                   help="'val': only the validation part of facefilter-train's seeded 90/10 split")
    p.add_argument("--seed", type=int, default=0, help="split seed (as given to facefilter-train)")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--no-flip", action="store_true", help="no test-time flip averaging")
    crops = p.add_mutually_exclusive_group()
    crops.add_argument("--multi-crop", dest="multi_crop", action="store_const", const=True,
                       help="average 7 test-time crops of each face (default when --weights is not given)")
    crops.add_argument("--one-crop", dest="multi_crop", action="store_const", const=False,
                       help="one crop per face (default when --weights is given)")
    p.add_argument("--resize", type=_positive, default=1.0, metavar="FACTOR",
                   help="score the faces resized by FACTOR (e.g. 4: photos at 4x the training faces' resolution)")
    p.add_argument("--noise", type=_non_negative, default=0.0, metavar="SIGMA",
                   help="add Gaussian noise of SIGMA grey levels after --resize (seeded)")
    p.add_argument("--device", help="cpu, cuda, mps (default: best available)")
    p.add_argument("--out", default="eval", help="folder for ced.png and results.json (default %(default)s)")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("expressions", "expression"):  # the expression network: FER+ / FER-2013
        from facefilter.train.expression_eval import main as expression_main

        return expression_main(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        companions = [] if args.single else args.companion
        model = LandmarkModel.load(args.weights, device=args.device, flip_test=not args.no_flip,
                                   companions=companions, multi_crop=args.multi_crop)
        report = load_many(args.data, split="test")
        records = report.records
        if args.split == "val":
            _, val = split_indices(len(records), args.val_fraction, args.seed)
            records = [records[i] for i in val]
        result, errors = evaluate(model, records, report.skipped, args.resize, args.noise)
    except (WeightsError, DatasetError) as exc:
        print(f"facefilter-eval: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from facefilter.train.plots import plot_ced

    plot_ced({f"ours (NME {result.nme:.2f}%)": ced_curve(errors)}, out / "ced.png")
    (out / "results.json").write_text(json.dumps(asdict(result), indent=2) + "\n")
    stress = "" if (result.resize, result.noise) == (1, 0) else f"  resized x{result.resize:g}, noise {result.noise:g}"
    print(f"faces {result.faces} (skipped {result.skipped})  NME {result.nme:.3f}%  "
          f"failure rate (>8%) {result.failure_rate:.2f}%  AUC@0.08 {result.auc:.4f}  "
          f"{result.median_ms_per_face:.1f} ms/face median  flip-test {'on' if result.flip_test else 'off'}  "
          f"networks {result.networks}  crops {result.crops}"
          + stress)
    if len(result.by_collection) > 1:
        print("by collection: " + ", ".join(f"{g} {v:.3f}% ({n})" for g, (v, n) in result.by_collection.items()))
    print(f"CED plot: {out / 'ced.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
