"""The training run: data, model, one epoch of training, validation and checkpoints.

Kept apart from the command line (:mod:`facefilter.train.cli`); the loss comes from
:mod:`facefilter.train.losses`. Works on one CPU/GPU or under ``torchrun`` as DDP.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.utils.data import DataLoader, DistributedSampler, Subset
from tqdm import tqdm

from facefilter.data import load_many, split_indices
from facefilter.landmarks.crop import from_target
from facefilter.landmarks.metrics import nme
from facefilter.landmarks.model import LandmarkNet
from facefilter.landmarks.weights import load_network, save_weights
from facefilter.train.augment import Augment
from facefilter.train.config import CONFIG_NAME, TrainConfig
from facefilter.train.dataset import CachedFace, LandmarkDataset, cache_face
from facefilter.train.device import autocast, resolve_device
from facefilter.train.losses import make_loss
from facefilter.train.plots import plot_loss_curve, plot_samples
from facefilter.train.profile import ProfileSynth
from facefilter.types import FLIP_PERMUTATION

log = logging.getLogger(__name__)

LAST_CKPT = "last.pt"
BEST_WEIGHTS = "best.safetensors"


def _cache(records: list, size: int) -> list[CachedFace]:
    faces = [cache_face(r, size) for r in records]
    return [f for f in faces if f is not None]


def build_datasets(cfg: TrainConfig) -> tuple[LandmarkDataset, LandmarkDataset, int]:
    """Seeded 90/10 split of ``cfg.data``; ``cfg.extra_data`` joins the training part only.

    Returns ``(train, validation, n_extra)``: the extra faces are the last ``n_extra`` of ``train``.
    """
    records = load_many(cfg.data).records
    if cfg.limit:
        records = records[: cfg.limit]
    train_idx, val_idx = split_indices(len(records), cfg.val_fraction, cfg.seed)
    extra = load_many(cfg.extra_data).records if cfg.extra_data else []
    max_side = round(2.0 / cfg.crop_scale * cfg.input_size * 1.25)
    extra_faces = _cache(extra, max_side)
    train_faces = _cache([records[i] for i in train_idx], max_side) + extra_faces
    val_faces = _cache([records[i] for i in val_idx], max_side)
    mc = cfg.model_config()
    aug = Augment(rotation=cfg.rotation, scale=cfg.scale, shift=cfg.shift, flip=cfg.flip, occlusion=cfg.occlusion)
    common = dict(input_size=mc.input_size, crop_scale=mc.crop_scale, mean=mc.mean, std=mc.std, seed=cfg.seed)
    profile = ProfileSynth(cfg.profile_yaw, cfg.profile_pitch, work_side=max_side * 2 // 3) if cfg.profile_aug else None
    train_ds = LandmarkDataset(train_faces, augment=aug, profile=profile, profile_share=cfg.profile_aug, **common)
    return train_ds, LandmarkDataset(val_faces, **common), len(extra_faces)


# Third entry of the seed of each epoch's draw of extra faces (run 7 was trained with it). It may
# equal an augmentation seed ``(seed, epoch, face)``; the two streams serve unrelated draws.
_EXTRA_DRAW = 7


def epoch_indices(n: int, n_extra: int, fraction: float, seed: int, epoch: int) -> np.ndarray:
    """Training-set indices of one epoch: all ``n - n_extra`` main faces and a random
    ``fraction`` of the last ``n_extra`` (the extra faces), drawn from ``(seed, epoch)``, sorted."""
    main = np.arange(n - n_extra)
    k = round(fraction * n_extra)
    if k >= n_extra:
        return np.arange(n)
    extra = np.random.default_rng((seed, epoch, _EXTRA_DRAW)).choice(n_extra, size=k, replace=False)
    return np.concatenate([main, n - n_extra + np.sort(extra)])


def lr_lambda(cfg: TrainConfig, steps_per_epoch: int):
    """Linear warm-up, then cosine decay to 1% (or constant) over the whole run, per step."""
    warm = max(1, int(cfg.warmup_epochs * steps_per_epoch))
    total = max(warm + 1, cfg.epochs * steps_per_epoch)

    def f(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        if cfg.schedule == "constant":
            return 1.0
        t = min(1.0, (step - warm) / (total - warm))
        return 0.01 + 0.99 * 0.5 * (1.0 + math.cos(math.pi * t))

    return f


_FLIP = torch.as_tensor(FLIP_PERMUTATION)


@torch.no_grad()
def predict_crops(model: nn.Module, x: torch.Tensor, flip: bool) -> torch.Tensor:
    """Targets for a batch of crops; with ``flip`` averaged with the mirrored crops' predictions."""
    pred = model(x).float()
    if flip:
        mirrored = model(torch.flip(x, dims=[3])).float()[:, _FLIP.to(x.device)]
        mirrored[..., 0] = -mirrored[..., 0]
        pred = (pred + mirrored) / 2
    return pred


def make_ema(model: nn.Module, decay: float) -> AveragedModel:
    """Exponential moving average of ``model``'s weights and batch-norm statistics."""
    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)


def train_epoch(
    model, loader, loss_fn, opt, sched, device, desc: str, show: bool, amp: bool, ema: AveragedModel | None = None
) -> tuple[float, int]:
    """One pass over ``loader`` (``ema`` follows every step); returns (mean loss, images seen)."""
    model.train()
    total, n = 0.0, 0
    bar = tqdm(loader, desc=desc, disable=not show, mininterval=1.0 if os.isatty(2) else 30.0, leave=False)
    for x, y in bar:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        if device.type != "mps":
            x = x.contiguous(memory_format=torch.channels_last)
        with autocast(device, amp):
            pred = model(x)
        loss = loss_fn(pred.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if ema is not None:
            ema.update_parameters(model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model)
        total += float(loss.detach()) * len(x)
        n += len(x)
        bar.set_postfix(loss=f"{total / n:.3f}", refresh=False)
    return total / max(n, 1), n


@torch.no_grad()
def validate(model, ds: LandmarkDataset, loss_fn, device, batch_size: int) -> dict[str, object]:
    """Validation loss and NME (%), plain and flip-averaged; also returns the predictions."""
    model.eval()
    loader = DataLoader(ds, batch_size=batch_size, shuffle=False)
    preds, preds_f, gts, losses = [], [], [], []
    for x, y in loader:
        x = x.to(device)
        p = predict_crops(model, x, flip=False)
        losses.append(float(loss_fn(p.cpu(), y)) * len(x))
        preds.append(p.cpu().numpy())
        preds_f.append(predict_crops(model, x, flip=True).cpu().numpy())
        gts.append(y.numpy())
    pred, pred_f, gt = (np.concatenate(a) for a in (preds, preds_f, gts))
    return {
        "val_loss": sum(losses) / len(ds),
        "val_nme": float(nme(pred, gt).mean() * 100),
        "val_nme_flip": float(nme(pred_f, gt).mean() * 100),
        "pred": pred,
        "gt": gt,
    }


def atomic_save(obj: object, path: Path) -> None:
    """``torch.save`` to a temporary file, then rename, so a kill never leaves half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def run(cfg: TrainConfig, resume: bool = False) -> dict[str, float]:
    """Train according to ``cfg``; returns the best validation figures."""
    cv2.setNumThreads(1)  # OpenCV's threads fight torch's for the cores
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    ddp = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if ddp and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() and cfg.device != "cpu" else "gloo")
    rank = dist.get_rank() if ddp else 0
    device = resolve_device(cfg.device)
    out = Path(cfg.out)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        cfg.save(out / CONFIG_NAME)
    torch.manual_seed(cfg.seed)

    train_ds, val_ds, n_extra = build_datasets(cfg)
    n_epoch = len(epoch_indices(len(train_ds), n_extra, cfg.extra_fraction, cfg.seed, 1))
    if rank == 0 and n_extra:
        log.info("training faces per epoch: %d main + %d of %d extra", len(train_ds) - n_extra,
                 n_epoch - len(train_ds) + n_extra, n_extra)
    model = LandmarkNet(arch=cfg.arch)
    if cfg.init and not (resume and (out / LAST_CKPT).is_file()):
        init_weights(model, cfg.init)
    model = model.to(device)
    if cfg.channels_last and device.type != "mps":
        model = model.to(memory_format=torch.channels_last)
    loss_fn = make_loss(cfg.loss, pixels=float(cfg.input_size))
    opt_cls = torch.optim.AdamW if cfg.optimizer == "adamw" else torch.optim.Adam
    wd = cfg.weight_decay if cfg.optimizer == "adamw" else 0.0
    opt = opt_cls(model.parameters(), lr=cfg.lr, weight_decay=wd)
    world = dist.get_world_size() if ddp else 1
    steps = math.ceil(n_epoch / world / cfg.batch_size)
    if cfg.max_steps:
        steps = min(steps, cfg.max_steps)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(cfg, steps))

    start, best, history = 1, float("inf"), []
    ckpt = None
    if resume and (out / LAST_CKPT).is_file():
        ckpt = torch.load(out / LAST_CKPT, map_location="cpu", weights_only=True)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        start, best, history = ckpt["epoch"] + 1, ckpt["best_nme"], ckpt["history"]
        if rank == 0:
            log.info("resumed %s at epoch %d (best %s %.3f%%)", out / LAST_CKPT, start, cfg.select, best)
    ema = make_ema(model, cfg.ema) if cfg.ema else None
    if ema is not None and ckpt is not None and "ema" in ckpt:
        ema.load_state_dict(ckpt["ema"])
    # What is validated, selected and saved: the average when there is one.
    kept = ema.module if ema is not None else model
    net = nn.parallel.DistributedDataParallel(model) if ddp else model

    for epoch in range(start, cfg.epochs + 1):
        t0 = time.perf_counter()
        train_ds.set_epoch(epoch)
        epoch_ds = Subset(train_ds, epoch_indices(len(train_ds), n_extra, cfg.extra_fraction, cfg.seed, epoch).tolist())
        if ddp:
            sampler = DistributedSampler(epoch_ds, shuffle=True, seed=cfg.seed)
            sampler.set_epoch(epoch)
            loader = DataLoader(epoch_ds, cfg.batch_size, sampler=sampler, num_workers=cfg.workers)
        else:
            gen = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)
            loader = DataLoader(epoch_ds, cfg.batch_size, shuffle=True, generator=gen, num_workers=cfg.workers)
        if cfg.max_steps:
            loader = _take(loader, cfg.max_steps)
        train_loss, seen = train_epoch(
            net, loader, loss_fn, opt, sched, device, f"epoch {epoch}/{cfg.epochs}", show=rank == 0, amp=cfg.amp,
            ema=ema,
        )
        train_time = time.perf_counter() - t0
        if rank == 0:
            v = validate(kept, val_ds, loss_fn, device, cfg.batch_size)
            row = {
                "epoch": epoch, "train_loss": train_loss, "val_loss": v["val_loss"], "val_nme": v["val_nme"],
                "val_nme_flip": v["val_nme_flip"], "lr": opt.param_groups[0]["lr"],
                "seconds": time.perf_counter() - t0, "train_images_per_s": seen * world / train_time,
            }
            if ema is not None:  # the raw weights too, to see what the average adds
                raw = validate(model, val_ds, loss_fn, device, cfg.batch_size)
                row["raw_val_nme"], row["raw_val_nme_flip"] = raw["val_nme"], raw["val_nme_flip"]
            history.append(row)
            improved = row[cfg.select] < best
            if improved:
                best = row[cfg.select]
                save_weights(kept, cfg.model_config(), out / BEST_WEIGHTS, extra={"epoch": str(epoch)})
            state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                     "epoch": epoch, "best_nme": best, "history": history,
                     "model_config": asdict(cfg.model_config())}
            if ema is not None:
                state["ema"] = ema.state_dict()
            atomic_save(state, out / LAST_CKPT)
            (out / "history.json").write_text(json.dumps(history, indent=1))
            plot_loss_curve(history, out / "loss_curve.png")
            k = min(8, len(val_ds))
            crops = np.stack([val_ds.crop(i)[0] for i in range(k)])
            size = cfg.input_size
            plot_samples(crops, from_target(v["gt"][:k], size), from_target(v["pred"][:k], size), out / "samples.png")
            raw_note = ""
            if ema is not None:
                raw_note = f"  raw {row['raw_val_nme']:.3f}% (flip {row['raw_val_nme_flip']:.3f}%)"
            log.info(
                "epoch %d/%d  train %.4f  val %.4f  NME %.3f%% (flip %.3f%%)%s%s  %.0fs  %.1f img/s",
                epoch, cfg.epochs, train_loss, row["val_loss"], row["val_nme"], row["val_nme_flip"], raw_note,
                "  *best*" if improved else "", row["seconds"], row["train_images_per_s"],
            )
        if ddp:
            dist.barrier()
    if ddp:
        dist.destroy_process_group()
    last = history[-1] if history else {}
    return {"best_val_nme": best, "last_val_nme": float(last.get("val_nme", float("nan"))),
            "last_val_nme_flip": float(last.get("val_nme_flip", float("nan")))}


def init_weights(model: LandmarkNet, path: str | Path) -> int:
    """Fill ``model`` from the weights at ``path`` (a fine-tune: fresh optimiser and schedule).

    Tensors are copied by name and shape, so weights with the other head give their backbone
    (the new head starts from scratch); returns the number of tensors copied.
    """
    source = load_network(path)[0].state_dict()
    own = model.state_dict()
    shared = {k: v for k, v in source.items() if k in own and own[k].shape == v.shape}
    if not any(k.startswith("backbone.layer") for k in shared):
        raise ValueError(f"{path}: no backbone tensor fits this network")
    model.load_state_dict(shared, strict=False)
    if len(shared) < len(own):
        log.info("--init %s: %d of %d tensors copied; the rest start from scratch", path, len(shared), len(own))
    return len(shared)


def _take(loader: DataLoader, n: int):
    for i, batch in enumerate(loader):
        if i >= n:
            break
        yield batch
