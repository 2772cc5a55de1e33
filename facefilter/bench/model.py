"""``facefilter-bench model``: training images/s and inference ms per face of the landmark model.

Prints medians over repeated runs. Inference goes through ``LandmarkModel.predict`` on a real
640x480-sized frame (crop + network + mapping back), batch 1 and 4, with and without test-time
flip averaging; then the same through ONNX Runtime (one thread, as the app) in fp32 and with the
shipped int8 graph. Training is forward + backward + AdamW step on batches of 32 random crops.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from facefilter.landmarks import LandmarkModel
from facefilter.landmarks.model import ARCH_FC, LandmarkNet
from facefilter.train.device import autocast, bf16_native


def _median_ms(fn, repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench_inference(model: LandmarkModel, repeats: int) -> list[tuple[int, bool, float]]:
    """(batch, flip_test, median ms per face) for batch 1 and 4."""
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    rows = []
    for flip in (False, True):
        model.flip_test = flip
        for n in (1, 4):
            boxes = np.array([[60 + 140 * i, 150, 120, 130] for i in range(n)], dtype=np.float64)
            ms = _median_ms(lambda b=boxes: model.predict(frame, b), repeats)
            rows.append((n, flip, ms / n))
    return rows



def print_inference(model: LandmarkModel, repeats: int) -> None:
    for n, flip, ms in bench_inference(model, repeats):
        print(f"  batch {n}  flip-test {'on ' if flip else 'off'}  {ms:6.2f} ms/face")


def bench_training(size: int, amp: bool, steps: int, device: torch.device, arch: str = ARCH_FC) -> float:
    """Median training images/s for batches of 32 at ``size`` px, network head ``arch``."""
    net = LandmarkNet(arch=arch).to(device).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(net.parameters(), 1e-3)
    x = torch.randn(32, 1, size, size, device=device).contiguous(memory_format=torch.channels_last)
    y = torch.randn(32, 68, 2, device=device)

    def step() -> None:
        with autocast(device, amp):
            pred = net(x)
        loss = (pred.float() - y).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    return 32 / (_median_ms(step, steps, warmup=2) / 1000)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="facefilter-bench model", description=__doc__)
    p.add_argument("--weights", help="weights to time (default: shipped)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--train-steps", type=int, default=6)
    p.add_argument("--threads", type=int, help="torch threads (default: all cores)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    model = LandmarkModel.load_single(args.weights, device=device)
    size = model.config.input_size
    arch = model.config.arch
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, input {size} px, {arch}")
    print("inference (LandmarkModel.predict, one network, median ms per face):")
    print_inference(model, args.repeats)
    full = LandmarkModel.load(args.weights, device=device)
    if full.companions:
        ensemble = LandmarkModel(full.net, full.config, device, source=full.source, companions=full.companions)
        print(f"the same with its {len(ensemble.companions)} companion network(s) averaged in, median ms per face:")
        print_inference(ensemble, args.repeats)
    if len(full.crops) > 1:
        print(f"LandmarkModel.load() default: {1 + len(full.companions)} network(s) x {len(full.crops)} test-time "
              "crops, median ms per face:")
        print_inference(full, max(3, args.repeats // 5))
    if device.type == "cpu":
        from facefilter.landmarks.onnx import DIGEST_KEY, use_onnx

        for precision in ("fp32", "int8"):
            ort_model = LandmarkModel(model.net, model.config, device, source=model.source)  # use_onnx swaps its net
            use_onnx(ort_model, threads=1, precision=precision)
            meta = ort_model.net.session.get_modelmeta().custom_metadata_map  # type: ignore[union-attr]
            shown = "int8" if DIGEST_KEY in meta else "fp32"
            print(f"ONNX Runtime, 1 thread, {precision} (running {shown}), median ms per face:")
            print_inference(ort_model, args.repeats)
    print("training (batch 32, median images/s):")
    for amp in (False, True):
        if amp and not bf16_native(device):
            print(f"  {size} px  bf16 autocast  not supported on this {device.type}: training runs in fp32")
            continue
        ips = bench_training(size, amp, args.train_steps, device, arch)
        print(f"  {size} px  {'bf16 autocast' if amp else 'fp32         '}  {ips:6.1f} img/s")
    return 0
