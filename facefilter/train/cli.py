"""``facefilter-train``: build landmark weights from 300-W style annotations.

Examples::

    facefilter-train --data ../shared/data/ibug300w-train --out runs/main --epochs 120
    facefilter-train --out runs/main --resume            # continue a killed run
    facefilter-train --recipe reference --data ...       # the reference recipe, for comparison
    torchrun --nproc_per_node=2 -m facefilter.train.cli --data ... --out runs/ddp

The expression network: ``facefilter-train expressions ...`` (or ``--task expression``), see
:mod:`facefilter.train.expression_cli`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import fields
from pathlib import Path

from facefilter.data import DatasetError
from facefilter.landmarks.model import ARCHS
from facefilter.train.config import CONFIG_NAME, SELECT_CHOICES, TrainConfig
from facefilter.train.loop import run

# The reference recipe (224 px, MSE, Adam 1e-4, constant LR, no mirror) for comparisons.
REFERENCE = {"input_size": 224, "loss": "mse", "optimizer": "adam", "lr": 1e-4, "schedule": "constant",
             "flip": 0.0, "warmup_epochs": 0.0}


def build_parser() -> argparse.ArgumentParser:
    d = TrainConfig()
    p = argparse.ArgumentParser(prog="facefilter-train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", action="append", default=[], metavar="PATH",
                   help="labels XML, official 300-W folder, folder with labels.xml, or folder of images + .pts "
                        "(repeatable); split 90/10 into train/validation")
    p.add_argument("--extra-data", action="append", default=[], metavar="PATH",
                   help="more training faces, never used for validation (repeatable)")
    p.add_argument("--extra-fraction", type=float,
                   help="share of the --extra-data faces in each epoch, drawn afresh every epoch (default 1: all)")
    p.add_argument("--out", default=d.out, help="run folder: config, checkpoints, plots (default %(default)s)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--recipe", choices=["ours", "reference"], default="ours",
                   help="'reference' = 224 px, MSE, Adam 1e-4, constant LR, no flip (explicit options still win)")
    p.add_argument("--init", metavar="WEIGHTS", help="start from these weights (fine-tuning) instead of scratch")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--optimizer", choices=["adam", "adamw"])
    p.add_argument("--schedule", choices=["cosine", "constant"])
    p.add_argument("--warmup-epochs", type=float)
    p.add_argument("--loss", choices=["l1", "mse", "wing"])
    p.add_argument("--arch", choices=ARCHS, help="network head: pool + fc (reference) or spatial soft-argmax")
    p.add_argument("--input-size", type=int)
    p.add_argument("--crop-scale", type=float)
    p.add_argument("--val-fraction", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--rotation", type=float, help="max roll, degrees")
    p.add_argument("--scale", type=float, help="max log-zoom")
    p.add_argument("--shift", type=float, help="max centre shift, fraction of the crop")
    p.add_argument("--flip", type=float, help="mirror probability")
    p.add_argument("--ema", type=float, metavar="DECAY",
                   help="keep an exponential moving average of the weights with this decay per step (e.g. 0.998) "
                        "and validate, select and save the average (default 0: off)")
    p.add_argument("--select", choices=SELECT_CHOICES,
                   help="validation figure that picks best.safetensors: NME with test-time flip (default, as "
                        "LandmarkModel.predict) or without")
    p.add_argument("--occlusion", type=float, help="probability of a random occluding rectangle")
    p.add_argument("--profile-aug", type=float, metavar="P",
                   help="share of training faces (per batch, on average) replaced by a copy turned to a large pose "
                        "(3-D fit, re-rendered, outline on the silhouette; facefilter.train.profile) (default 0: off)")
    p.add_argument("--profile-yaw", type=float, metavar="DEG", help="max yaw of the turned copies (default 75)")
    p.add_argument("--profile-pitch", type=float, metavar="DEG", help="max pitch of the turned copies (default 30)")
    p.add_argument("--device", help="cpu, cuda, cuda:1, mps (default: best available)")
    p.add_argument("--workers", type=int, help="DataLoader workers")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: all cores)")
    p.add_argument("--no-amp", dest="amp", action="store_false", default=None,
                   help="train in fp32 (default: bf16 autocast where the device supports it)")
    p.add_argument("--max-steps", type=int, help="stop each epoch after this many batches (smoke tests)")
    p.add_argument("--limit", type=int, help="use only the first N faces of --data")
    p.add_argument("-q", "--quiet", action="store_true")
    return p


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """Defaults < saved config (with --resume) < --recipe < explicit options."""
    cfg = TrainConfig()
    saved = Path(args.out) / CONFIG_NAME
    if args.resume and saved.is_file():
        cfg = TrainConfig.load(saved)
    elif args.recipe == "reference":
        cfg = TrainConfig(**{**vars(cfg), **REFERENCE})
    overrides = {f.name: getattr(args, f.name) for f in fields(TrainConfig) if getattr(args, f.name, None) is not None}
    overrides.pop("data", None)
    overrides.pop("extra_data", None)
    values = {**vars(cfg), **overrides}
    if args.data:
        values["data"] = args.data
    if args.extra_data:
        values["extra_data"] = args.extra_data
    values["out"] = args.out
    return TrainConfig(**values)


def expression_argv(argv: list[str]) -> list[str] | None:
    """The expression trainer's arguments when ``argv`` asks for it (``expressions ...``,
    ``--task expression ...``), else None (the landmark trainer)."""
    if argv and argv[0] in ("expressions", "expression"):
        return argv[1:]
    for i, a in enumerate(argv):
        if a == "--task" and i + 1 < len(argv) and argv[i + 1] in ("expression", "expressions"):
            return argv[:i] + argv[i + 2:]
        if a in ("--task=expression", "--task=expressions"):
            return argv[:i] + argv[i + 1:]
    return None


def main(argv: list[str] | None = None) -> int:
    rest = expression_argv(sys.argv[1:] if argv is None else list(argv))
    if rest is not None:
        from facefilter.train.expression_cli import main as expression_main

        return expression_main(rest)
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    cfg = config_from_args(args)
    if not cfg.data:
        print("facefilter-train: give at least one --data PATH (or --resume a run folder)", file=sys.stderr)
        return 2
    try:
        result = run(cfg, resume=args.resume)
    except DatasetError as exc:
        print(f"facefilter-train: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"facefilter-train: interrupted; continue with --out {cfg.out} --resume", file=sys.stderr)
        return 130
    kind = "with flip-test" if cfg.select == "val_nme_flip" else "without flip-test"
    print(f"best validation NME {result['best_val_nme']:.3f}% {kind}  (weights: {Path(cfg.out) / 'best.safetensors'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
