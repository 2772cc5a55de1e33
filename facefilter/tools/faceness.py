"""Train the face-ness classifier (``models/faceness.onnx``): face or not, on the landmark network's crop.

``python -m facefilter.tools.faceness --out /work/runs/faceness`` builds (and caches) a set of
48 x 48 upright grey crops framed as the tracker frames a face for the landmark network (tight
landmark box, side x1.25, turned upright by the eye-line roll; :mod:`facefilter.landmarks.faceness`),
trains a tiny CNN on them with torch, and writes ``faceness.onnx`` (crop parameters in its
metadata) and ``card.md`` (the model card section, with the figures) into ``--out``.

Positives: ibug300w-train faces of the landmark model's training split (``split_indices`` seed 0,
90/10: the validation tenth is held out and reported), each framed by its true points with the
tracker's crop jitter and by the landmark network's own points (the crop the tracker really
sees), with dim (gamma), blurred, noisy, mirrored and half-covered (synthetic occluders: skin-toned,
dark and textured blobs, up to about half the face) variants; youtube-faces-68 frames (webcam-like);
FER+ faces that no tagger voted "not a face". Negatives: background crops of the 300-W photos;
crops around the faces at the wrong scale or offset (part of a face, a face small in a huge box,
half a face); FER+ faces voted NF; and from the no-face files of ``real-dev`` (clips and the dog
photo): random boxes and the boxes BlazeFace finds at a low threshold (``--hard-score``), each
as the landmark network then frames it (the crop a ghost track would show). Leave-clip-out:
``--holdout`` names real-dev files whose crops are left out of training and reported apart;
``--folds`` trains once per fold of the no-face files (each fold held out in turn) and reports
each fold's held-out figures before the final model, trained on everything.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from facefilter.data import SHARED_DATA, discover, parse_labels_xml, split_indices
from facefilter.landmarks.crop import area_prefilter, crop_matrix, warp_crop

SIZE = 48
CROP_SCALE = 1.25
MEAN, STD = 0.5, 0.25
NEGATIVE_FILES = ("neg_hands_blocks.mp4", "neg_hands_cups.mp4", "neg_hands_bottles.mp4", "neg_fruit_veg.mp4",
                  "neg_highway.mp4", "neg_photo_dogs.jpg")
DEFAULT_FOLDS = (("neg_hands_blocks.mp4", "neg_hands_bottles.mp4", "neg_highway.mp4"),
                 ("neg_hands_cups.mp4", "neg_fruit_veg.mp4", "neg_photo_dogs.jpg"))
EYE_R, EYE_L = slice(36, 42), slice(42, 48)


@dataclass
class CropSet:
    """``crops`` (N, SIZE, SIZE) uint8, ``labels`` (N,) 1 = face, ``groups`` (N,) source names
    (``300w-train``, ``300w-val``, ``ytf``, ``fer``, ``neg:<real-dev file>`` ...)."""

    crops: np.ndarray
    labels: np.ndarray
    groups: np.ndarray

    def subset(self, mask: np.ndarray) -> CropSet:
        return CropSet(self.crops[mask], self.labels[mask], self.groups[mask])


def eye_roll(points: np.ndarray) -> float:
    d = points[EYE_L].mean(0) - points[EYE_R].mean(0)
    return math.degrees(math.atan2(float(d[1]), float(d[0])))


def upright_box(points: np.ndarray, roll_deg: float) -> np.ndarray:
    """Same as :func:`facefilter.tracker.upright_box` (kept here: tools sit above the tracker, but
    this module must not need the tracker's imports to build its data)."""
    a = math.radians(roll_deg)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    up = np.asarray(points, np.float64) @ rot.T
    lo, hi = up.min(0), up.max(0)
    center = ((lo + hi) / 2.0) @ rot
    w, h = hi - lo
    return np.array([center[0] - w / 2, center[1] - h / 2, w, h])


def crop(gray: np.ndarray, box: np.ndarray, roll: float, *, scale: float = 1.0,
         shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """One SIZE x SIZE upright crop, as :func:`facefilter.landmarks.faceness.faceness_crops` makes it."""
    m = crop_matrix(box, SIZE, CROP_SCALE, rotation_deg=roll, scale=scale, shift=shift)
    small, mats = area_prefilter(gray, m[None], SIZE)
    return warp_crop(small, mats[0], SIZE, max_step=None)


def jittered(gray: np.ndarray, box: np.ndarray, roll: float, rng: np.random.Generator,
             shift: float = 0.05, zoom: float = 0.12, turn: float = 8.0) -> np.ndarray:
    """A crop with the tracker's jitter: centre within ``shift`` of the side, size within
    ``exp(+-zoom)``, roll within ``+-turn`` deg."""
    return crop(gray, box, roll + rng.uniform(-turn, turn), scale=float(np.exp(rng.uniform(-zoom, zoom))),
                shift=(rng.uniform(-shift, shift), rng.uniform(-shift, shift)))


def occlude(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cover up to about half of a face crop with a blob (a hand, a cup, hair) entering from one
    side: an ellipse or a polygon, skin-toned, dark or textured, with a soft edge."""
    s = img.shape[0]
    mask = np.zeros((s, s), np.uint8)
    reach = rng.uniform(0.25, 0.55) * s  # drawn entering from the bottom, then turned to a random side
    if rng.random() < 0.5:
        axes = (int(rng.uniform(0.3, 0.6) * s), int(reach))
        cv2.ellipse(mask, (int(rng.uniform(0.2, 0.8) * s), s), axes, float(rng.uniform(-25, 25)), 0, 360, 255, -1)
    else:
        xs = np.sort(rng.uniform(-0.1, 1.1, 4)) * s
        ys = s - rng.uniform(0.3, 1.0, 4) * reach
        pts = np.concatenate([[[xs[0], s + 1]], np.stack([xs, ys], 1), [[xs[-1], s + 1]]])
        cv2.fillPoly(mask, [pts.astype(np.int32)], 255)
    mask = np.ascontiguousarray(np.rot90(mask, int(rng.integers(4))))
    kind = rng.integers(3)
    if kind == 0:
        fill = np.full(img.shape, rng.uniform(90, 200), np.float32)
    elif kind == 1:
        fill = np.full(img.shape, rng.uniform(0, 60), np.float32)
    else:
        noise = rng.uniform(0, 255, img.shape).astype(np.float32)
        fill = cv2.GaussianBlur(noise, (0, 0), rng.uniform(1, 3))
    shade = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), 1.2)
    return (img * (1 - shade) + fill * shade).astype(np.uint8)


def photometric(img: np.ndarray, rng: np.random.Generator, p_dim: float = 0.3) -> np.ndarray:
    """Dim (gamma and gain), contrast, blur and sensor noise, each at random."""
    x = img.astype(np.float32) / 255.0
    if rng.random() < p_dim:
        x = rng.uniform(0.15, 0.6) * x ** rng.uniform(1.0, 2.2)
    else:
        x = np.clip((x - 0.5) * rng.uniform(0.7, 1.3) + 0.5 + rng.uniform(-0.1, 0.1), 0, 1)
    if rng.random() < 0.25:
        x = cv2.GaussianBlur(x, (0, 0), rng.uniform(0.5, 1.5))
    if rng.random() < 0.4:
        x = x + rng.normal(0, rng.uniform(0.005, 0.04), x.shape).astype(np.float32)
    out = np.clip(x * 255 + 0.5, 0, 255).astype(np.uint8)
    return out[:, ::-1].copy() if rng.random() < 0.5 else out


def positive_variant(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return photometric(occlude(img, rng) if rng.random() < 0.3 else img, rng)


class Landmarker:
    """The shipped landmark network (ONNX Runtime fp32, one thread) and the tracker's framing:
    predict from a box, then once more from the points' own upright box."""

    def __init__(self) -> None:
        from facefilter.landmarks import LandmarkModel
        from facefilter.landmarks.onnx import use_onnx

        self.model = LandmarkModel.load_single(device="cpu", flip_test=False)
        use_onnx(self.model, threads=1, precision="fp32")

    def frame(self, gray: np.ndarray, boxes: np.ndarray, rolls: np.ndarray) -> list[tuple[np.ndarray, float]]:
        """(tight box, roll) of the points the network finds from each ``(box, roll)``, refined once."""
        if len(boxes) == 0:
            return []
        pts = self.model.predict(gray, boxes, rolls)
        ok = np.all(np.isfinite(pts), axis=(1, 2))
        rolls2 = np.array([eye_roll(p) if k else 0.0 for p, k in zip(pts, ok, strict=True)])
        boxes2 = np.stack([upright_box(p, r) if k else b for p, r, k, b in zip(pts, rolls2, ok, boxes, strict=True)])
        boxes2[:, 2:] = np.maximum(boxes2[:, 2:], 4.0)
        pts2 = self.model.predict(gray, boxes2, rolls2)
        out = []
        for p in pts2:
            if not np.all(np.isfinite(p)):
                continue
            r = eye_roll(p)
            b = upright_box(p, r)
            if b[2] > 4 and b[3] > 4:
                out.append((b, r))
        return out


def faces_300w(rng: np.random.Generator, lm: Landmarker, variants: int, log: list[str]) -> CropSet:
    """Positives and nearby negatives from ibug300w-train (train split; the validation tenth as ``300w-val``)."""
    records = discover(SHARED_DATA / "ibug300w-train").records
    train_idx, val_idx = split_indices(len(records), 0.1, seed=0)
    part = np.zeros(len(records), bool)
    part[val_idx] = True
    crops, labels, groups = [], [], []
    for i, rec in enumerate(records):
        img = cv2.imread(str(rec.image), cv2.IMREAD_GRAYSCALE)
        if img is None:
            continue
        tag = "300w-val" if part[i] else "300w-train"
        pts = rec.points.astype(np.float64)
        roll = eye_roll(pts)
        box = upright_box(pts, roll)
        # as the tracker sees it: the network's points from a detector-like box
        rough = box.copy()
        rough[:2] += rng.uniform(-0.1, 0.1, 2) * box[2:]
        rough[2:] *= np.exp(rng.uniform(-0.12, 0.12))
        for b, r in lm.frame(img, rough[None], np.array([roll + rng.uniform(-10, 10)])):
            crops.append(crop(img, b, r))
            labels.append(1)
            groups.append(tag)
        for k in range(variants if tag == "300w-train" else 2):
            c = jittered(img, box, roll, rng)
            crops.append(positive_variant(c, rng) if k else c)
            labels.append(1)
            groups.append(tag)
        # negatives around the face: part of it, a huge box, half a face off, background corners
        side = float(box[2:].max())
        cx, cy = box[:2] + box[2:] / 2
        for _ in range(2):
            z = rng.uniform(0.25, 0.45)
            off = rng.uniform(-0.35, 0.35, 2) * side
            sub = np.array([cx + off[0] - z * side / 2, cy + off[1] - z * side / 2, z * side, z * side])
            crops.append(photometric(crop(img, sub, roll + rng.uniform(-20, 20)), rng, 0.2))
        big = rng.uniform(2.4, 3.5)
        crops.append(photometric(crop(img, box, roll, scale=1 / big), rng, 0.2))
        ang = rng.uniform(0, 2 * math.pi)
        d = rng.uniform(0.6, 0.9)
        crops.append(photometric(crop(img, box, roll, shift=(d * math.cos(ang) / CROP_SCALE,
                                                          d * math.sin(ang) / CROP_SCALE)), rng, 0.2))
        h, w = img.shape
        for _ in range(2):  # a corner of the photo around the face (the face fills its middle half)
            s = rng.uniform(0.15, 0.3) * w
            x0 = rng.choice([rng.uniform(0, 0.2 * w), rng.uniform(0.8 * w - s, w - s)])
            y0 = rng.uniform(0, h - s)
            crops.append(photometric(crop(img, np.array([x0, y0, s, s]), rng.uniform(-20, 20)), rng, 0.2))
        labels += [0] * 6
        groups += [tag + "-neg"] * 6
    log.append(f"300-W: {len(records)} faces ({len(train_idx)} train, {len(val_idx)} validation)")
    return CropSet(np.stack(crops), np.array(labels, np.uint8), np.array(groups))


def faces_ytf(rng: np.random.Generator, limit: int, log: list[str]) -> CropSet:
    """youtube-faces-68 training frames: webcam-like positives, one jittered crop each (``limit`` at most)."""
    recs = [r for r in parse_labels_xml(SHARED_DATA / "youtube-faces-68" / "labels.xml").records
            if "/training/" in str(r.image)]
    pick = rng.permutation(len(recs))[:limit]
    crops = []
    for i in pick:
        img = cv2.imread(str(recs[i].image), cv2.IMREAD_GRAYSCALE)
        if img is None:
            continue
        pts = recs[i].points.astype(np.float64)
        roll = eye_roll(pts)
        crops.append(positive_variant(jittered(img, upright_box(pts, roll), roll, rng), rng))
    log.append(f"youtube-faces-68: {len(crops)} of {len(recs)} training frames")
    return CropSet(np.stack(crops), np.ones(len(crops), np.uint8), np.array(["ytf"] * len(crops)))


def faces_fer(rng: np.random.Generator, limit: int, log: list[str]) -> CropSet:
    """FER+ (train split): faces with no NF vote (positives, ``limit`` at most) and faces whose
    top vote is NF (negatives)."""
    d = np.load(SHARED_DATA / "fer-plus" / "ferplus.npz")
    votes, images, split = d["votes"], d["images"], d["split"]
    nf = (votes.argmax(1) == 9) & (votes[:, 9] > 0)
    face = (votes[:, 9] == 0) & (split == 0)
    pos = rng.permutation(np.flatnonzero(face))[:limit]
    neg = np.flatnonzero(nf)
    crops = [cv2.resize(images[i], (SIZE, SIZE), interpolation=cv2.INTER_AREA) for i in pos]
    crops = [photometric(c, rng, 0.2) for c in crops]
    negs = [cv2.resize(images[i], (SIZE, SIZE), interpolation=cv2.INTER_AREA) for i in neg]
    negs = [photometric(c, rng, 0.2) for c in negs for _ in range(3)]
    log.append(f"FER+: {len(pos)} faces, {len(neg)} voted not a face (x3)")
    return CropSet(np.stack(crops + negs), np.array([1] * len(crops) + [0] * len(negs), np.uint8),
                   np.array(["fer"] * len(crops) + ["fer-nf"] * len(negs)))


def negatives_real(rng: np.random.Generator, lm: Landmarker, folder: Path, hard_score: float, every: int,
                   random_boxes: int, log: list[str]) -> CropSet:
    """Crops of the no-face real-dev files: BlazeFace's low-threshold boxes and random boxes, each
    framed by the landmark network as a track would be, plus the raw boxes; group ``neg:<file>``."""
    from facefilter.detect.blazeface import BlazeFaceDetector

    crops, groups = [], []
    with BlazeFaceDetector(min_score=hard_score) as det:
        for name in NEGATIVE_FILES:
            path = folder / name
            if name.endswith(".jpg"):
                img = cv2.imread(str(path), cv2.IMREAD_COLOR)
                frames = [img] * 1
                reps = 12  # a photo: more random boxes to make up for its one frame
            else:
                cap = cv2.VideoCapture(str(path))
                frames = []
                i = 0
                while True:
                    ok, f = cap.read()
                    if not ok:
                        break
                    if i % every == 0:
                        frames.append(f)
                    i += 1
                cap.release()
                reps = 1
            n0 = len(crops)
            n_hard = 0
            for frame in frames:
                gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
                h, w = gray.shape
                boxes, rolls = [], []
                for d in det.detect(frame):
                    b = d.crop_box().as_array().astype(np.float64)
                    if b[2] < 8 or b[3] < 8:
                        continue
                    boxes.append(b)
                    rolls.append(d.roll)
                    crops.append(jittered(gray, b, d.roll, rng))
                    n_hard += 1
                for _ in range(random_boxes * reps):
                    s = float(np.exp(rng.uniform(math.log(30), math.log(0.8 * min(h, w)))))
                    b = np.array([rng.uniform(-0.2 * s, w - 0.8 * s), rng.uniform(-0.2 * s, h - 0.8 * s), s, s])
                    if rng.random() < 0.5:
                        boxes.append(b)
                        rolls.append(rng.uniform(-30, 30))
                    else:
                        crops.append(photometric(crop(gray, b, rng.uniform(-30, 30)), rng, 0.3))
                for b, r in lm.frame(gray, np.array(boxes).reshape(-1, 4), np.array(rolls)):
                    crops.append(crop(gray, b, r))
                    crops.append(photometric(jittered(gray, b, r, rng), rng, 0.3))
            groups += [f"neg:{name}"] * (len(crops) - n0)
            log.append(f"real-dev {name}: {len(frames)} frames, {n_hard} BlazeFace boxes at >= {hard_score}, "
                       f"{len(crops) - n0} crops")
    return CropSet(np.stack(crops), np.zeros(len(crops), np.uint8), np.array(groups))


def build(args: argparse.Namespace, log: list[str]) -> CropSet:
    rng = np.random.default_rng(args.seed)
    lm = Landmarker()
    parts = []
    for name, fn in (("300w", lambda: faces_300w(rng, lm, args.variants, log)),
                     ("ytf", lambda: faces_ytf(rng, args.ytf, log)),
                     ("fer", lambda: faces_fer(rng, args.fer, log)),
                     ("real", lambda: negatives_real(rng, lm, args.real_dev, args.hard_score, args.every,
                                                     args.random_boxes, log))):
        t0 = time.time()
        parts.append(fn())
        print(f"  {name}: {len(parts[-1].labels)} crops in {time.time() - t0:.0f} s", flush=True)
    return CropSet(np.concatenate([p.crops for p in parts]), np.concatenate([p.labels for p in parts]),
                   np.concatenate([p.groups for p in parts]))


def make_net() -> object:
    """The classifier: five 3x3 conv layers (16-32-32-64-64 channels, BN, ReLU, stride 2 on four),
    global average pooling, one linear logit. ~70k parameters, ~3 MFLOPs at 48 x 48."""
    from torch import nn

    def block(cin: int, cout: int, stride: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

    return nn.Sequential(*block(1, 16, 2), *block(16, 32, 2), *block(32, 32, 1), *block(32, 64, 2),
                         *block(64, 64, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 1))


def train(data: CropSet, epochs: int, seed: int, log: list[str]) -> object:
    """Adam, cosine learning rate, class-balanced logistic loss, random flips and brightness on the fly."""
    import torch

    torch.manual_seed(seed)
    net = make_net()
    x_all = torch.from_numpy(data.crops)
    y_all = torch.from_numpy(data.labels.astype(np.float32))
    n = len(y_all)
    pos = float(y_all.sum())
    pos_weight = torch.tensor((n - pos) / max(pos, 1.0))
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    batch = 256
    steps = epochs * math.ceil(n / batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.15)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    g = torch.Generator().manual_seed(seed)
    for ep in range(epochs):
        net.train()
        perm = torch.randperm(n, generator=g)
        total, t0 = 0.0, time.time()
        for k in range(0, n, batch):
            idx = perm[k:k + batch]
            x = x_all[idx].float() / 255.0
            flip = torch.rand(len(idx), generator=g) < 0.5
            x[flip] = x[flip].flip(-1)
            x = x * (0.8 + 0.4 * torch.rand(len(idx), 1, 1, generator=g))
            x = ((x.clamp(0, 1) - MEAN) / STD)[:, None]
            loss = loss_fn(net(x).view(-1), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        line = f"epoch {ep + 1}/{epochs}: loss {total / n:.4f} ({time.time() - t0:.0f} s)"
        print("  " + line, flush=True)
        log.append(line)
    return net.eval()


def predict(net: object, crops: np.ndarray) -> np.ndarray:
    import torch

    with torch.inference_mode():
        x = torch.from_numpy(((crops.astype(np.float32) / 255.0 - MEAN) / STD)[:, None])
        return torch.sigmoid(torch.cat([net(x[k:k + 1024]).view(-1) for k in range(0, len(x), 1024)])).numpy()


def report(net: object, data: CropSet, groups: list[str], threshold: float) -> list[str]:
    """Per group: crops, and the share called a face (positives) or not a face (negatives) at ``threshold``."""
    out = []
    p = predict(net, data.crops)
    for gname in groups:
        m = data.groups == gname
        if not m.any():
            continue
        face = p[m] >= threshold
        lab = int(data.labels[m][0])
        rate = face.mean() if lab else 1 - face.mean()
        out.append(f"{gname:24s} {int(m.sum()):6d} crops  {'kept as faces' if lab else 'rejected'} "
                   f"{100 * rate:5.1f}%  (median score {np.median(p[m]):.3f})")
    return out


def export(net: object, path: Path) -> None:
    """ONNX (opset 17, dynamic batch, input ``x`` (B, 1, SIZE, SIZE), output logit ``y`` (B, 1)) with
    the crop parameters as metadata (:data:`facefilter.landmarks.faceness.META_KEYS`)."""
    import onnx
    import torch

    from facefilter.landmarks.faceness import META_KEYS

    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (torch.zeros(1, 1, SIZE, SIZE),), buf, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=17, dynamo=False)
    model = onnx.load_from_string(buf.getvalue())
    for k, v in zip(META_KEYS, (SIZE, CROP_SCALE, MEAN, STD), strict=True):
        model.metadata_props.add(key=k, value=str(v))
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m facefilter.tools.faceness", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="output folder (faceness.onnx, card.md, crops cache)")
    p.add_argument("--real-dev", type=Path, default=SHARED_DATA / "real-dev", help="real-dev folder (no-face files)")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--variants", type=int, default=6, help="jittered crops per 300-W training face (default 6)")
    p.add_argument("--ytf", type=int, default=3000, help="youtube-faces-68 frames used (default 3000)")
    p.add_argument("--fer", type=int, default=3000, help="FER+ faces used as positives (default 3000)")
    p.add_argument("--hard-score", type=float, default=0.1, help="BlazeFace threshold for hard negatives")
    p.add_argument("--every", type=int, default=3, help="clip frames between sampled real-dev frames")
    p.add_argument("--random-boxes", type=int, default=2, help="random boxes per sampled real-dev frame")
    p.add_argument("--folds", action="store_true", help="leave-clip-out: train once per fold of DEFAULT_FOLDS")
    p.add_argument("--threshold", type=float, default=0.5, help="score reported as the face / not-face line")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    log: list[str] = []
    cache = args.out / "crops.npz"
    if cache.is_file():
        d = np.load(cache)
        data = CropSet(d["crops"], d["labels"], d["groups"])
        log += json.loads(str(d["log"]))
        print(f"crops from {cache}: {len(data.labels)}", flush=True)
    else:
        t0 = time.time()
        data = build(args, log)
        log.append(f"built {len(data.labels)} crops in {time.time() - t0:.0f} s")
        np.savez_compressed(cache, crops=data.crops, labels=data.labels, groups=data.groups, log=json.dumps(log))
    cv2.imwrite(str(args.out / "crops_sample.png"), _mosaic(data, np.random.default_rng(1)))
    groups = sorted(set(data.groups.tolist()))
    lines = [f"crops: {len(data.labels)} ({int(data.labels.sum())} faces)"] + [f"  {x}" for x in log]
    if args.folds:
        for fold in DEFAULT_FOLDS:
            held = np.isin(data.groups, [f"neg:{f}" for f in fold])
            train_mask = ~held & (data.groups != "300w-val") & (data.groups != "300w-val-neg")
            net = train(data.subset(train_mask), args.epochs, args.seed, [])
            export(net, args.out / f"faceness_without_{'_'.join(f.split('.')[0] for f in fold)}.onnx")
            lines.append(f"fold held out {', '.join(fold)}: trained on {int(train_mask.sum())} crops")
            lines += ["  " + r for r in report(net, data.subset(held | (data.groups == "300w-val")
                                                                 | (data.groups == "300w-val-neg")), groups,
                                                args.threshold)]
            print("\n".join(lines[-8:]), flush=True)
    train_mask = (data.groups != "300w-val") & (data.groups != "300w-val-neg")
    t0 = time.time()
    net = train(data.subset(train_mask), args.epochs, args.seed, log)
    lines.append(f"final model: {int(train_mask.sum())} crops, {args.epochs} epochs, {time.time() - t0:.0f} s")
    lines += ["  " + r for r in report(net, data, groups, args.threshold)]
    export(net, args.out / "faceness.onnx")
    (args.out / "card.md").write_text("\n".join(lines) + "\n")
    (args.out / "config.json").write_text(json.dumps({k: str(v) for k, v in vars(args).items()}, indent=1))
    print("\n".join(lines), flush=True)
    return 0


def _mosaic(data: CropSet, rng: np.random.Generator, per_group: int = 16) -> np.ndarray:
    """A look at the crops: one row of ``per_group`` random crops per group (labelled 0/1 by row)."""
    rows = []
    for gname in sorted(set(data.groups.tolist())):
        idx = np.flatnonzero(data.groups == gname)
        pick = rng.choice(idx, min(per_group, len(idx)), replace=False)
        row = np.concatenate([data.crops[i] for i in pick] + [np.zeros((SIZE, SIZE * (per_group - len(pick))),
                                                                       np.uint8)], axis=1)
        bar = np.zeros((SIZE, 160), np.uint8)
        cv2.putText(bar, gname[:22], (2, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 255, 1)
        rows.append(np.concatenate([bar, row], axis=1))
    return np.concatenate(rows)


if __name__ == "__main__":
    sys.exit(main())
