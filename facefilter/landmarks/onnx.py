"""Run the landmark network with ONNX Runtime on the CPU (about 1.8x faster than PyTorch there).

:func:`use_onnx` exports ``model.net`` (and any companion networks) to ONNX in memory (a second
or two each, nothing written to disk) and swaps each for an :class:`OnnxNet`, which takes and
returns torch tensors like the network did, so :meth:`LandmarkModel.predict` is unchanged.
Outputs match PyTorch within ~1e-6 crop units (well under 1e-3 px); ``tests/test_pipeline.py``
checks it.
"""

from __future__ import annotations

import io
import logging
import warnings
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from facefilter.landmarks.predictor import LandmarkModel

log = logging.getLogger(__name__)


class OnnxNet:
    """A callable standing in for :class:`LandmarkNet`: ``(B, 1, S, S)`` tensor -> ``(B, 68, 2)`` tensor.

    ``optimize=False`` turns ONNX Runtime's graph optimisations off. An int8 (QDQ) graph then runs
    node by node in float (dequantise, float operator, quantise) instead of through fused int8
    kernels: its exact int8 results on any CPU, slower. That is how the int8 graph's accuracy is
    checked on x86 CPUs without VNNI, whose fused kernels saturate (see
    :func:`facefilter.landmarks.quantize.int8_exact_here`).
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


def use_onnx(model: LandmarkModel, threads: int | None = 1, precision: str = "fp32") -> bool:
    """Swap ``model.net`` and its companions for ONNX Runtime on the CPU; False (and a log line) if not possible.

    All of the model's networks are swapped, or none is.
    ``threads``: intra-op threads (``None``: ONNX Runtime's default, one per core).
    ``precision``: ``"int8"`` runs the quantised graph shipped beside the weights
    (:mod:`facefilter.landmarks.quantize`) when it was made from these weights and the CPU runs
    it exactly (:func:`~facefilter.landmarks.quantize.int8_exact_here`), else fp32; companions
    always run fp32.
    """
    if precision not in ("fp32", "int8"):
        raise ValueError(f"precision must be 'fp32' or 'int8', got {precision!r}")
    if model.device.type != "cpu":
        return False
    size, n_points = model.config.input_size, model.config.n_points
    net = model.net
    if precision == "int8" and model.source is not None and not isinstance(net, OnnxNet):
        from facefilter.landmarks.quantize import int8_exact_here, load_int8

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
