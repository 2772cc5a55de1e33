"""``facefilter-train expressions``: train the expression network on FER+.

Examples::

    facefilter-train expressions --data ../shared/data/fer-plus --out runs/expressions --epochs 16
    facefilter-train expressions --out runs/expressions --resume        # continue a killed run
    facefilter-train --task expression --data ... --targets majority --init ''   # scratch, hard labels
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import asdict, fields
from pathlib import Path

from facefilter.data import DatasetError
from facefilter.train.expression_data import AugmentConfig
from facefilter.train.expression_train import CONFIG_NAME, SELECTS, TARGETS, ExpressionTrainConfig, run


def build_parser() -> argparse.ArgumentParser:
    d = ExpressionTrainConfig()
    p = argparse.ArgumentParser(prog="facefilter-train expressions", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help=f"FER+ folder or ferplus.npz (default {d.data})")
    p.add_argument("--out", default=d.out, help="run folder: config, checkpoints, plots (default %(default)s)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--epochs", type=int)
    p.add_argument("--epoch-size", type=int, help="faces per epoch (evaluation + checkpoint after each; 0: all)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, help="SGD (Nesterov) peak learning rate, cosine schedule")
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--warmup-epochs", type=float)
    p.add_argument("--targets", choices=TARGETS, help="soft: the vote distribution; majority: the top label")
    p.add_argument("--input-size", type=int, help="network input, px (48x48 crops resized)")
    p.add_argument("--width", type=int, help="ResNet-18 stage-1 width (64 = the landmark backbone)")
    p.add_argument("--init", help="wider ResNet-18 weights to prune from (landmark network); '' = scratch")
    p.add_argument("--dropout", type=float)
    p.add_argument("--select", choices=SELECTS, help="validation figure that picks best.safetensors")
    p.add_argument("--eval-flip", action="store_true", default=None, help="also score test-time flip each epoch")
    p.add_argument("--seed", type=int)
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--max-steps", type=int, help="stop each epoch after this many batches (smoke tests)")
    p.add_argument("--limit", type=int, help="use only the first N training faces")
    for f in fields(AugmentConfig):
        p.add_argument(f"--{f.name}", type=float, help=f"augmentation: {f.name} (default {f.default})")
    p.add_argument("-q", "--quiet", action="store_true")
    return p


def config_from_args(args: argparse.Namespace) -> ExpressionTrainConfig:
    """Defaults < saved config (with --resume) < explicit options."""
    saved = Path(args.out) / CONFIG_NAME
    cfg = ExpressionTrainConfig.load(saved) if args.resume and saved.is_file() else ExpressionTrainConfig()
    values = asdict(cfg)
    values.update({f.name: getattr(args, f.name) for f in fields(ExpressionTrainConfig)
                   if f.name != "augment" and getattr(args, f.name, None) is not None})
    aug = {**values.pop("augment"), **{f.name: getattr(args, f.name) for f in fields(AugmentConfig)
                                       if getattr(args, f.name, None) is not None}}
    values["out"] = args.out
    return ExpressionTrainConfig(**values, augment=AugmentConfig(**aug))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    cfg = config_from_args(args)
    try:
        best = run(cfg, resume=args.resume)
    except DatasetError as exc:
        print(f"facefilter-train expressions: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"facefilter-train expressions: interrupted; continue with --out {cfg.out} --resume", file=sys.stderr)
        return 130
    print(f"best valid accuracy {best.get(cfg.select, float('nan')):.2f}% at epoch {int(best.get('epoch', 0))} "
          f"(weights: {Path(cfg.out) / 'best.safetensors'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
