"""Training the expression network on FER+ (``facefilter-train expressions``).

Train on FER+ train, choose on valid (accuracy, majority rule, with test-time flip by default),
never look at test: that is :mod:`facefilter.train.expression_eval`'s job, once. The run folder
holds ``config.json``, ``last.pt`` (every epoch, for ``--resume``), ``best.safetensors``,
``history.json`` and ``loss.png``.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from facefilter.expression.config import ExpressionConfig
from facefilter.expression.net import ExpressionNet, init_from_wider
from facefilter.expression.torch_weights import save_weights
from facefilter.train.expression_data import FER2013_TO_FERPLUS, SPLITS, AugmentConfig, augment, load_ferplus, to_input

log = logging.getLogger(__name__)
CONFIG_NAME = "config.json"
TARGETS = ("soft", "majority")
SELECTS = ("val_acc_flip", "val_acc")


@dataclass
class ExpressionTrainConfig:
    """Every option of an expression training run; written to ``config.json`` in the run folder."""

    data: str = "../shared/data/fer-plus"
    out: str = "runs/expressions"
    epochs: int = 20
    batch_size: int = 128
    lr: float = 0.05
    weight_decay: float = 5e-4
    warmup_epochs: float = 1.0
    targets: str = "soft"  # "soft": cross-entropy to the vote distribution; "majority": to the top label
    input_size: int = 48
    width: int = 32
    init: str = "models/landmarks.safetensors"  # wider ResNet-18 to prune from, or "" for scratch
    dropout: float = 0.2
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    select: str = "val_acc"
    eval_flip: bool = False  # also score test-time flip every epoch (doubles the evaluation)
    seed: int = 0
    threads: int = 1
    max_steps: int = 0  # stop each epoch after this many batches (smoke tests); 0: all
    limit: int = 0  # use only the first N training faces; 0: all
    epoch_size: int = 0  # faces drawn per epoch (evaluation + checkpoint after each); 0: one pass

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> ExpressionTrainConfig:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        aug = AugmentConfig(**d.pop("augment", {}))
        return cls(**{k: v for k, v in d.items() if k in known}, augment=aug)


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of ``-sum_c target_c log softmax(logits)_c``; ``target`` (B, 8) rows sum to 1."""
    return -(target * F.log_softmax(logits, dim=1)).sum(1).mean()


@torch.no_grad()
def predict_probs(net: ExpressionNet, images: np.ndarray, mcfg: ExpressionConfig, flip: bool,
                  batch: int = 256) -> np.ndarray:
    """``(N, 48, 48)`` uint8 -> ``(N, 8)`` probabilities (mean of the image and its mirror if ``flip``)."""
    net.eval()
    out = []
    for i in range(0, len(images), batch):
        x = to_input(torch.from_numpy(images[i:i + batch]), mcfg.input_size, mcfg.mean, mcfg.std)
        p = torch.softmax(net(x), 1)
        if flip:
            p = (p + torch.softmax(net(torch.flip(x, dims=[3])), 1)) / 2
        out.append(p)
    return torch.cat(out).numpy()


def fer2013_predictions(probs: np.ndarray) -> np.ndarray:
    """``(N, 8)`` FER+ probabilities -> FER-2013 labels 0..6: contempt dropped, argmax over the 7."""
    return probs[:, FER2013_TO_FERPLUS].argmax(1)


def validation_scores(net: ExpressionNet, mcfg: ExpressionConfig, data: str, flip: bool = True) -> dict[str, float]:
    """Valid accuracy (majority rule, 8 classes), soft loss and FER-2013 7-class accuracy, with
    test-time flip (``*_flip``, when ``flip``) and without."""
    path = Path(data) / "ferplus.npz" if Path(data).is_dir() else Path(data)
    with np.load(path) as d:
        sel = d["split"] == SPLITS["valid"]
        images, votes, fer = d["images"][sel], d["votes"][sel], d["fer2013_label"][sel]
    from facefilter.train.expression_data import majority_labels

    keep, label, soft = majority_labels(votes)
    p0 = predict_probs(net, images, mcfg, flip=False)
    known = fer >= 0

    def scores(p: np.ndarray, suffix: str) -> dict[str, float]:
        return {
            f"val_acc{suffix}": float((p[keep].argmax(1) == label[keep]).mean() * 100),
            f"val_loss{suffix}": float(-(soft[keep] * np.log(np.clip(p[keep], 1e-7, 1))).sum(1).mean()),
            f"val_fer2013{suffix}": float((fer2013_predictions(p[known]) == fer[known]).mean() * 100),
        }

    out = scores(p0, "")
    if flip:
        out.update(scores((p0 + predict_probs(net, images[:, :, ::-1].copy(), mcfg, flip=False)) / 2, "_flip"))
    return out


def lr_at(step: float, total: float, warmup: float, base: float) -> float:
    """Linear warmup for ``warmup`` steps, then cosine to zero at ``total``."""
    if step < warmup:
        return base * (step + 1) / warmup
    return base * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1.0, total - warmup)))


def build_net(cfg: ExpressionTrainConfig) -> ExpressionNet:
    net = ExpressionNet(cfg.width, dropout=cfg.dropout)
    if cfg.init:
        from facefilter.landmarks.weights import load_network

        wide, _ = load_network(cfg.init)
        n = init_from_wider(net, wide.state_dict())
        log.info("initialised %d tensors from %s", n, cfg.init)
    return net


def plot_history(history: list[dict[str, float]], path: Path) -> None:
    """Train / valid loss (left) and valid accuracy % (right) per epoch."""
    from facefilter.train.plots import plot_loss_curve

    plot_loss_curve(history, path, (("val_acc", "valid FER+ acc %"), ("val_fer2013", "valid FER-2013 acc %")),
                    score_axis="accuracy (%)", loss_axis="soft cross-entropy", log_loss=False)


def run(cfg: ExpressionTrainConfig, resume: bool = False) -> dict[str, float]:
    """Train per ``cfg``; returns the best validation scores. Writes everything under ``cfg.out``."""
    if cfg.targets not in TARGETS:
        raise ValueError(f"targets must be one of {TARGETS}, got {cfg.targets!r}")
    if cfg.select not in SELECTS:
        raise ValueError(f"select must be one of {SELECTS}, got {cfg.select!r}")
    torch.set_num_threads(cfg.threads)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg.save(out / CONFIG_NAME)
    train = load_ferplus(cfg.data, "train")
    images = torch.from_numpy(train.images)
    targets = torch.from_numpy(train.soft) if cfg.targets == "soft" else F.one_hot(
        torch.from_numpy(train.majority), 8).float()
    if cfg.limit:
        images, targets = images[:cfg.limit], targets[:cfg.limit]
    mcfg = ExpressionConfig(cfg.input_size, 0.5, 0.25, cfg.width)
    torch.manual_seed(cfg.seed)
    net = build_net(cfg)
    decay = [p for n, p in net.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in net.named_parameters() if p.ndim <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": cfg.weight_decay},
                           {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr, momentum=0.9, nesterov=True)
    steps_per_epoch = (cfg.epoch_size or len(images)) // cfg.batch_size
    if cfg.max_steps:
        steps_per_epoch = min(steps_per_epoch, cfg.max_steps)
    total = cfg.epochs * steps_per_epoch
    history: list[dict[str, float]] = []
    start_epoch, best = 0, -1.0
    ckpt_path = out / "last.pt"
    if resume and ckpt_path.is_file():
        ckpt = torch.load(str(ckpt_path), map_location="cpu", weights_only=True)
        net.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        start_epoch, best, history = int(ckpt["epoch"]), float(ckpt["best"]), json.loads(ckpt["history"])
        log.info("resumed from %s at epoch %d (best %.2f)", ckpt_path, start_epoch, best)
    gen = torch.Generator().manual_seed(cfg.seed)
    for epoch in range(start_epoch, cfg.epochs):
        gen.manual_seed(cfg.seed * 1000 + epoch)
        # Epoch e draws its faces from one long shuffled stream, so every face is seen equally often.
        first = epoch * steps_per_epoch * cfg.batch_size
        n_perm = first // len(images)
        order = torch.cat([torch.randperm(len(images), generator=torch.Generator().manual_seed(cfg.seed * 7919 + k))
                           for k in range(n_perm, n_perm + 2 + steps_per_epoch * cfg.batch_size // len(images))])
        order = order[first - n_perm * len(images):]
        net.train()
        t0, losses = time.perf_counter(), []
        for i in range(steps_per_epoch):
            step = epoch * steps_per_epoch + i
            for g in opt.param_groups:
                g["lr"] = lr_at(step, total, cfg.warmup_epochs * steps_per_epoch, cfg.lr)
            idx = order[i * cfg.batch_size:(i + 1) * cfg.batch_size]
            x = augment(images[idx], cfg.input_size, mcfg.mean, mcfg.std, cfg.augment, gen)
            loss = soft_cross_entropy(net(x), targets[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if i % 50 == 0:
                log.info("epoch %d step %d/%d loss %.4f (%.0f img/s)", epoch + 1, i, steps_per_epoch,
                         float(np.mean(losses[-50:])), (i + 1) * cfg.batch_size / (time.perf_counter() - t0))
        train_time = time.perf_counter() - t0
        scores = validation_scores(net, mcfg, cfg.data, flip=cfg.eval_flip)
        row = {"epoch": epoch + 1, "train_loss": float(np.mean(losses)), "lr": opt.param_groups[0]["lr"],
               "train_s": train_time, "eval_s": time.perf_counter() - t0 - train_time, **scores}
        history.append(row)
        log.info("epoch %d: %s", epoch + 1, json.dumps({k: round(v, 4) for k, v in row.items()}))
        if scores[cfg.select] > best:
            best = scores[cfg.select]
            save_weights(net, mcfg, out / "best.safetensors", extra={"epoch": str(epoch + 1),
                                                                    cfg.select: f"{best:.3f}"})
        tmp = ckpt_path.with_suffix(".tmp")
        torch.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch + 1, "best": best,
                    "history": json.dumps(history), "expression_config": asdict(mcfg)}, str(tmp))
        tmp.replace(ckpt_path)
        (out / "history.json").write_text(json.dumps(history, indent=1) + "\n", encoding="utf-8")
        plot_history(history, out / "loss.png")
    best_row = max(history, key=lambda h: h[cfg.select]) if history else {}
    return {k: float(v) for k, v in best_row.items()}
