"""Run the landmark network with ONNX Runtime on the CPU (about 1.8x faster than PyTorch there).

:func:`use_onnx` exports ``model.net`` (and any companion networks) to ONNX in memory (a second
or two each, nothing written to disk) and swaps each for an :class:`OnnxNet`, which takes and
returns torch tensors like the network did, so :meth:`LandmarkModel.predict` is unchanged.
Outputs match PyTorch within ~1e-6 crop units (well under 1e-3 px); ``tests/test_pipeline.py``
checks it.

The int8 graph shipped beside the weights (built by :mod:`facefilter.tools.quantize`) is loaded
here too: :func:`load_int8` checks that it was made from the same weights, and
:func:`int8_exact_here` whether this CPU runs it at its calibrated accuracy.
"""

from __future__ import annotations

import hashlib
import io
import logging
import platform
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from facefilter.types import N_LANDMARKS

if TYPE_CHECKING:
    from facefilter.landmarks.predictor import LandmarkModel

log = logging.getLogger(__name__)

INT8_NAME = "landmarks.int8.onnx"
DIGEST_KEY = "facefilter_weights_sha256"


class OnnxNet:
    """A callable standing in for :class:`LandmarkNet`: ``(B, 1, S, S)`` tensor -> ``(B, 68, 2)`` tensor.

    ``optimize=False`` turns ONNX Runtime's graph optimisations off. An int8 (QDQ) graph then runs
    node by node in float (dequantise, float operator, quantise) instead of through fused int8
    kernels: its exact int8 results on any CPU, slower. That is how the int8 graph's accuracy is
    checked on x86 CPUs without VNNI, whose fused kernels saturate (see
    :func:`int8_exact_here`).
    """

    def __init__(self, onnx_bytes: bytes, n_points: int, threads: int | None = None, optimize: bool = True) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        level = ort.GraphOptimizationLevel
        opts.graph_optimization_level = level.ORT_ENABLE_ALL if optimize else level.ORT_DISABLE_ALL
        if threads:
            opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(onnx_bytes, opts, providers=["CPUExecutionProvider"])
        self.n_points = n_points

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"OnnxNet expects (B, 1, S, S) input, got {tuple(x.shape)}")
        out = self.session.run(None, {"x": np.ascontiguousarray(x.detach().cpu().numpy(), dtype=np.float32)})[0]
        return torch.from_numpy(out).view(-1, self.n_points, 2)


def export_onnx(net: torch.nn.Module, size: int) -> bytes:
    """The network as ONNX bytes with a dynamic batch axis (input ``x``, output ``y``)."""
    buf = io.BytesIO()
    dummy = torch.zeros(1, 1, size, size)
    was_training = net.training
    net.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter warns that it is deprecated
        torch.onnx.export(
            net.cpu(), (dummy,), buf, input_names=["x"], output_names=["y"],
            dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=17, dynamo=False,
        )
    net.train(was_training)
    return buf.getvalue()


def int8_exact_here(cpuinfo: str | Path = "/proc/cpuinfo") -> bool:
    """Whether this CPU runs the int8 graph at its calibrated accuracy.

    On x86 without VNNI (AVX512-VNNI, AVX-VNNI or AMX), ONNX Runtime's uint8 x int8 kernels sum
    pairs of products in int16 (AVX2 ``vpmaddubsw``), which saturates. Measured on an AVX2-only
    EPYC: the shipped graph moved points by 0.62% of the eye distance (median; worst face 3.7%)
    and cost 0.26 NME points on 24 validation faces, against 0.19% (worst 0.29%) and 0.02 points
    with VNNI; and there the int8 graph was no faster than fp32 (24.8 against 25.8 ms per face).
    Other architectures (ARM dot products) accumulate in int32. Where the flags cannot
    be read, the answer is no: the exact network is the safe side.
    """
    if platform.machine().lower() not in ("x86_64", "amd64", "i386", "i686", "x86"):
        return True
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return False
    flags = {f for line in text.splitlines() if line.startswith("flags") for f in line.split(":", 1)[-1].split()}
    return bool(flags & {"avx512_vnni", "avx_vnni", "amx_int8"})


def int8_path_for(weights: str | Path) -> Path:
    """Where the int8 graph of ``weights`` lives: ``landmarks.int8.onnx`` in the same folder."""
    return Path(weights).with_name(INT8_NAME)


def weights_digest(path: str | Path) -> str:
    """SHA-256 (hex) of a weights file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_int8(
    weights: str | Path, path: str | Path | None = None, threads: int | None = 1, emulate: bool = False,
) -> OnnxNet | None:
    """An :class:`~facefilter.landmarks.onnx.OnnxNet` running the int8 graph made from ``weights``.

    ``path``: the int8 file (``None``: ``landmarks.int8.onnx`` beside ``weights``). ``emulate``:
    run it unfused (``OnnxNet(optimize=False)``), the exact int8 results on any CPU, for checks.
    Returns ``None`` (with a log line) when the file is missing, unreadable, or was made from
    other weights.
    """
    path = int8_path_for(weights) if path is None else Path(path)
    if not path.is_file():
        log.info("%s: no int8 landmark graph; using fp32", path)
        return None
    try:
        data = path.read_bytes()
        net = OnnxNet(data, N_LANDMARKS, threads, optimize=not emulate)
        meta = net.session.get_modelmeta().custom_metadata_map
    except Exception as exc:  # OSError or one of onnxruntime's own error types
        log.warning("%s: unreadable int8 landmark graph (%s); using fp32", path, exc)
        return None
    if meta.get(DIGEST_KEY) != weights_digest(weights):
        log.warning("%s was made from other weights than %s; using fp32 (rebuild it with "
                    "`python -m facefilter.tools.quantize`)", path, weights)
        return None
    return net


def use_onnx(model: LandmarkModel, threads: int | None = 1, precision: str = "fp32") -> bool:
    """Swap ``model.net`` and its companions for ONNX Runtime on the CPU; False (and a log line) if not possible.

    All of the model's networks are swapped, or none is.
    ``threads``: intra-op threads (``None``: ONNX Runtime's default, one per core).
    ``precision``: ``"int8"`` runs the quantised graph shipped beside the weights
    (:mod:`facefilter.tools.quantize`) when it was made from these weights and the CPU runs
    it exactly (:func:`int8_exact_here`), else fp32; companions
    always run fp32.
    """
    if precision not in ("fp32", "int8"):
        raise ValueError(f"precision must be 'fp32' or 'int8', got {precision!r}")
    if model.device.type != "cpu":
        return False
    size, n_points = model.config.input_size, model.config.n_points
    net = model.net
    if precision == "int8" and model.source is not None and not isinstance(net, OnnxNet):
        if not int8_exact_here():
            log.warning("this CPU has no VNNI int8 instructions, where the int8 landmark graph loses accuracy; "
                        "running the fp32 network instead")
        elif (int8 := load_int8(model.source, threads=threads)) is not None:
            net = int8  # type: ignore[assignment]
    try:  # every network or none: a half-swapped ensemble would mix two runtimes
        if not isinstance(net, OnnxNet):
            net = OnnxNet(export_onnx(net, size), n_points, threads)  # type: ignore[assignment]
        companions = [c if isinstance(c, OnnxNet) else OnnxNet(export_onnx(c, size), n_points, threads)
                      for c in model.companions]
    except Exception as exc:  # onnx/onnxruntime missing or an export problem: stay on PyTorch
        log.warning("ONNX Runtime not used for the landmark network (%s: %s)", type(exc).__name__, exc)
        return False
    model.net = net
    model.companions = companions  # type: ignore[assignment]
    return True
