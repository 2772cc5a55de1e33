"""``facefilter-eval expressions``: score an expression model on FER+, and export it to ONNX.

Scores: FER+ accuracy (majority rule, 8 classes) and FER-2013 accuracy (the original 7 labels,
``fer2013_label``; contempt dropped, argmax over the other 7), a confusion-matrix PNG and
``results.json``. ``--split valid`` is for choosing; ``--split test`` is the figure to report, once.

``--fer2013-prior valid`` also reports FER-2013 with per-class weights on the 7 probabilities
fitted on FER+ *valid*'s FER-2013 labels (the two label sets disagree on many faces; the
weights are chosen on valid and applied unchanged to test).

Export: ``facefilter-eval expressions --export models/expression.onnx --weights best.safetensors``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from facefilter.data import DatasetError
from facefilter.expression.config import EXPRESSIONS
from facefilter.expression.model import CONFIG_KEY, ExpressionModel, ExpressionModelError
from facefilter.train.expression_data import FER2013_TO_FERPLUS, SPLITS, majority_labels

FER2013_NAMES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
log = logging.getLogger(__name__)


def export_onnx(weights: str | Path, out: str | Path, opset: int = 17) -> Path:
    """Export ``weights`` (safetensors or checkpoint) to an fp32 ONNX graph with a dynamic batch:
    input ``x`` ``(B, 1, S, S)`` float32, output ``logits`` ``(B, 8)``; the config and the
    weights' SHA-256 go in the graph's metadata."""
    import onnx
    import torch

    from facefilter.expression.torch_weights import load_weights

    net, cfg = load_weights(weights)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, 1, cfg.input_size, cfg.input_size)
    tmp = out.with_suffix(".tmp.onnx")
    torch.onnx.export(net, dummy, str(tmp), input_names=["x"], output_names=["logits"], opset_version=opset,
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)
    model = onnx.load(str(tmp))
    digest = hashlib.sha256(Path(weights).read_bytes()).hexdigest()
    for key, value in ((CONFIG_KEY, json.dumps(asdict(cfg))), ("facefilter_weights_sha256", digest),
                       ("classes", ",".join(EXPRESSIONS))):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(out))
    tmp.unlink()
    return out


def load_split(data: str | Path, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All faces of ``split``: images (N, 48, 48) uint8, keep mask (majority rule), FER+ label, FER-2013 label."""
    path = Path(data) / "ferplus.npz" if Path(data).is_dir() else Path(data)
    if not path.is_file():
        raise DatasetError(f"{path}: FER+ archive not found")
    with np.load(path) as d:
        sel = d["split"] == SPLITS[split]
        images, votes, fer = d["images"][sel], d["votes"][sel], d["fer2013_label"][sel].astype(np.int64)
    keep, label, _ = majority_labels(votes)
    return images, keep, label, fer


def fit_fer2013_prior(probs7: np.ndarray, labels: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Per-class log-weights ``(7,)`` on FER-2013-ordered probabilities maximising accuracy
    (coordinate search on a grid, a few rounds)."""
    w = np.zeros(7)
    grid = np.linspace(-2, 2, 41)
    logp = np.log(np.clip(probs7, 1e-7, 1))
    for _ in range(rounds):
        for c in range(7):
            best, best_v = -1.0, w[c]
            for v in grid:
                w[c] = v
                acc = float(((logp + w).argmax(1) == labels).mean())
                if acc > best + 1e-12:
                    best, best_v = acc, v
            w[c] = best_v
    return w


def confusion(pred: np.ndarray, truth: np.ndarray, n: int) -> np.ndarray:
    """``(n, n)`` counts, rows = truth, columns = prediction."""
    m = np.zeros((n, n), np.int64)
    np.add.at(m, (truth, pred), 1)
    return m


def plot_confusions(mats: list[tuple[str, np.ndarray, tuple[str, ...]]], path: Path) -> None:
    """Row-normalised confusion matrices side by side (rows: truth)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(mats), figsize=(6.2 * len(mats), 5.6), dpi=100, squeeze=False)
    for ax, (title, m, names) in zip(axes[0], mats, strict=True):
        r = m / np.maximum(m.sum(1, keepdims=True), 1)
        ax.imshow(r, cmap="Blues", vmin=0, vmax=1)
        for i in range(len(names)):
            for j in range(len(names)):
                ax.text(j, i, f"{r[i, j] * 100:.0f}\n({m[i, j]})", ha="center", va="center", fontsize=6.5,
                        color="white" if r[i, j] > 0.5 else "black")
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("truth")
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def evaluate(model: ExpressionModel, data: str | Path, split: str, prior: np.ndarray | None = None,
             batch: int = 256) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Scores of ``model`` on ``split``; returns (figures, {"ferplus": 8x8, "fer2013": 7x7 confusions})."""
    images, keep, label, fer = load_split(data, split)
    t0 = time.perf_counter()
    probs = np.concatenate([model.predict_crops(images[i:i + batch]) for i in range(0, len(images), batch)])
    secs = time.perf_counter() - t0
    pred8 = probs.argmax(1)
    known = fer >= 0
    p7 = probs[known][:, FER2013_TO_FERPLUS]
    pred7 = p7.argmax(1)
    res = {
        "split": split, "flip_test": model.flip_test,
        "ferplus_faces": int(keep.sum()),
        "ferplus_accuracy": float((pred8[keep] == label[keep]).mean() * 100),
        "fer2013_faces": int(known.sum()),
        "fer2013_accuracy": float((pred7 == fer[known]).mean() * 100),
        "batched_ms_per_face": secs * 1000 / len(images),
    }
    if prior is not None:
        res["fer2013_accuracy_prior"] = float(((np.log(np.clip(p7, 1e-7, 1)) + prior).argmax(1) == fer[known]).mean()
                                              * 100)
    mats = {"ferplus": confusion(pred8[keep], label[keep], 8), "fer2013": confusion(pred7, fer[known], 7)}
    return res, mats


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="facefilter-eval expressions", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data/fer-plus", help="FER+ folder or ferplus.npz")
    p.add_argument("--weights", help=".onnx (ONNX Runtime, CPU) or .safetensors / .pt (PyTorch); "
                                     "default: the shipped ONNX model")
    p.add_argument("--device", default="cpu", help="cpu or cuda (with .safetensors weights)")
    p.add_argument("--split", choices=["valid", "test"], default="valid",
                   help="valid: for choosing; test: the reported figure (score it once)")
    p.add_argument("--flip", action="store_true", help="test-time flip averaging")
    p.add_argument("--fer2013-prior", choices=["none", "valid"], default="none",
                   help="also report FER-2013 with per-class weights fitted on valid's FER-2013 labels")
    p.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads")
    p.add_argument("--out", default="eval-expressions", help="folder for confusion.png and results.json")
    p.add_argument("--export", metavar="ONNX", help="export --weights to this ONNX file and exit")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.export:
        if not args.weights:
            print("facefilter-eval expressions: --export needs --weights", file=sys.stderr)
            return 2
        print(f"wrote {export_onnx(args.weights, args.export)}")
        return 0
    try:
        model = ExpressionModel.load(args.weights, device=args.device, flip_test=args.flip, threads=args.threads)
        prior = None
        if args.fer2013_prior == "valid":
            vimages, _, _, vfer = load_split(args.data, "valid")
            known = vfer >= 0
            vp = np.concatenate([model.predict_crops(vimages[known][i:i + 256]) for i in range(0, known.sum(), 256)])
            prior = fit_fer2013_prior(vp[:, FER2013_TO_FERPLUS], vfer[known])
        res, mats = evaluate(model, args.data, args.split, prior)
    except (ExpressionModelError, DatasetError) as exc:
        print(f"facefilter-eval expressions: {exc}", file=sys.stderr)
        return 2
    if prior is not None:
        res["fer2013_prior_log_weights"] = {n: round(float(v), 3) for n, v in zip(FER2013_NAMES, prior, strict=True)}
    res["weights"] = str(model.source)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot_confusions([(f"FER+ {args.split}, majority, 8 classes: {res['ferplus_accuracy']:.2f}%", mats["ferplus"],
                      EXPRESSIONS),
                     (f"FER-2013 {args.split}, original 7 labels: {res['fer2013_accuracy']:.2f}%", mats["fer2013"],
                      FER2013_NAMES)], out / "confusion.png")
    res["confusion_ferplus"] = mats["ferplus"].tolist()
    res["confusion_fer2013"] = mats["fer2013"].tolist()
    (out / "results.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    extra = f"  (with valid-fitted class weights: {res['fer2013_accuracy_prior']:.2f}%)" if prior is not None else ""
    print(f"{args.split}: FER+ majority 8-class accuracy {res['ferplus_accuracy']:.2f}% on {res['ferplus_faces']} "
          f"faces; FER-2013 7-class {res['fer2013_accuracy']:.2f}% on {res['fer2013_faces']} faces{extra}; "
          f"flip-test {'on' if args.flip else 'off'}")
    print(f"confusion matrices: {out / 'confusion.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
