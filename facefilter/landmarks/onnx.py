"""Run the landmark network with ONNX Runtime on the CPU (about 1.8x faster than PyTorch there),
without torch.

Two graphs ship beside the weights, each recording the SHA-256 of the weights it was made from
(a stale graph is never used with other weights): ``landmarks.fp32.onnx``, the exact network
(fp32 arithmetic; its weights stored in fp16, as in the safetensors file, so nothing is lost),
and ``landmarks.int8.onnx``, the quantised one; both are built by
:mod:`facefilter.tools.quantize`. :func:`use_onnx` gives a :class:`LandmarkModel` one of them:
int8 where this CPU runs it at its calibrated accuracy (:func:`int8_exact_here`), else fp32.
Only where no matching graph ships (other weights, companions) does it export the PyTorch
network to ONNX in memory (a second or two each, nothing written to disk; needs torch).
Outputs match PyTorch within ~1e-6 crop units (well under 1e-3 px); ``tests/test_pipeline.py``
checks it.

:class:`OnnxNet` takes and returns numpy arrays, or torch tensors when given one, so
:meth:`LandmarkModel.predict` runs without torch when all its networks are ONNX graphs.
"""

from __future__ import annotations

import hashlib
import io
import logging
import platform
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from facefilter.types import N_LANDMARKS

if TYPE_CHECKING:
    import torch

    from facefilter.landmarks.weights import ModelConfig


class SwappableModel(Protocol):
    """What :func:`use_onnx` needs of a :class:`~facefilter.landmarks.LandmarkModel` (named
    structurally: the predictor imports this module)."""

    config: ModelConfig
    source: Path | None
    companions: list[Any]
    net: Any

    @property
    def net_built(self) -> bool: ...

    @property
    def device_type(self) -> str: ...

log = logging.getLogger(__name__)

INT8_NAME = "landmarks.int8.onnx"
FP32_NAME = "landmarks.fp32.onnx"
DIGEST_KEY = "facefilter_weights_sha256"


class OnnxNet:
    """A callable standing in for :class:`LandmarkNet`: ``(B, 1, S, S)`` tensor -> ``(B, 68, 2)`` tensor.

    ``optimize=False`` turns ONNX Runtime's graph optimisations off. An int8 (QDQ) graph then runs
    node by node in float (dequantise, float operator, quantise) instead of through fused int8
    kernels: its exact int8 results on any CPU, slower. That is how the int8 graph's accuracy is
    checked on x86 CPUs without VNNI, whose fused kernels saturate (see
    :func:`int8_exact_here`).
    """

    def __init__(
        self, onnx_bytes: bytes, n_points: int, threads: int | None = None, optimize: bool = True,
        origin: str = "exported",
    ) -> None:
        import onnxruntime as ort

        self.origin = origin  # where the graph came from: a file's path, or "exported" (from PyTorch, in memory)
        opts = ort.SessionOptions()
        level = ort.GraphOptimizationLevel
        opts.graph_optimization_level = level.ORT_ENABLE_ALL if optimize else level.ORT_DISABLE_ALL
        if threads:
            opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(onnx_bytes, opts, providers=["CPUExecutionProvider"])
        self.n_points = n_points

    def __call__(self, x: Any) -> Any:
        """``(B, 1, S, S)`` float32 numpy array -> ``(B, P, 2)`` float32 array; a torch tensor in
        gives a (CPU) torch tensor out."""
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"OnnxNet expects (B, 1, S, S) input, got {tuple(x.shape)}")
        if isinstance(x, np.ndarray):
            return self.run(x)
        import torch  # a tensor in: torch is loaded already

        return torch.from_numpy(self.run(x.detach().cpu().numpy()))

    def run(self, x: np.ndarray) -> np.ndarray:
        """``(B, 1, S, S)`` float32 array -> ``(B, P, 2)`` float32 array."""
        out = self.session.run(None, {"x": np.ascontiguousarray(x, dtype=np.float32)})[0]
        return out.reshape(-1, self.n_points, 2)


def export_onnx(net: torch.nn.Module, size: int, keep_batchnorm: bool = False) -> bytes:
    """The network as ONNX bytes with a dynamic batch axis (input ``x``, output ``y``); needs torch.

    ``keep_batchnorm``: keep the batch-norm layers as nodes (ONNX Runtime folds them into the
    convolutions when it loads the graph) instead of folding them at export, so every weight
    stays the fp16-exact value of the safetensors file (see :func:`fp16_storage`).
    """
    import torch

    buf = io.BytesIO()
    dummy = torch.zeros(1, 1, size, size)
    was_training = net.training
    net.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter warns that it is deprecated
        torch.onnx.export(
            net.cpu(), (dummy,), buf, input_names=["x"], output_names=["y"],
            dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=17, dynamo=False,
            training=torch.onnx.TrainingMode.PRESERVE if keep_batchnorm else torch.onnx.TrainingMode.EVAL,
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


def fp32_path_for(weights: str | Path) -> Path:
    """Where the fp32 graph of ``weights`` lives: ``landmarks.fp32.onnx`` in the same folder."""
    return Path(weights).with_name(FP32_NAME)


def weights_digest(path: str | Path) -> str:
    """SHA-256 (hex) of a weights file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _load_graph(weights: str | Path, path: Path, what: str, threads: int | None, optimize: bool) -> OnnxNet | None:
    if not path.is_file():
        log.info("%s: no %s landmark graph", path, what)
        return None
    try:
        data = path.read_bytes()
        net = OnnxNet(data, N_LANDMARKS, threads, optimize=optimize, origin=str(path))
        meta = net.session.get_modelmeta().custom_metadata_map
    except Exception as exc:  # OSError or one of onnxruntime's own error types
        log.warning("%s: unreadable %s landmark graph (%s)", path, what, exc)
        return None
    if meta.get(DIGEST_KEY) != weights_digest(weights):
        log.warning("%s was made from other weights than %s; not used (rebuild it with "
                    "`python -m facefilter.tools.quantize`)", path, weights)
        return None
    return net


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
    return _load_graph(weights, path, "int8", threads, optimize=not emulate)


def load_fp32(weights: str | Path, path: str | Path | None = None, threads: int | None = 1) -> OnnxNet | None:
    """An :class:`OnnxNet` running the fp32 graph made from ``weights`` (``path``: ``None`` for
    ``landmarks.fp32.onnx`` beside them); ``None`` (with a log line) as :func:`load_int8`."""
    path = fp32_path_for(weights) if path is None else Path(path)
    return _load_graph(weights, path, "fp32", threads, optimize=True)


def fp16_storage(onnx_bytes: bytes, min_size: int = 16) -> bytes:
    """The graph with its float32 initializers of at least ``min_size`` values stored as float16,
    each followed by a ``Cast`` back to float32 (ONNX Runtime folds the casts when it loads the
    graph: fp32 arithmetic, half the file). Lossless only where the values are fp16-exact (the
    shipped weights are stored in fp16); raises ``ValueError`` otherwise. Needs the ``onnx`` package.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load_from_string(onnx_bytes)
    graph = model.graph
    casts, keep = [], []
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        if arr.dtype != np.float32 or arr.size < min_size:
            keep.append(init)
            continue
        half = arr.astype(np.float16)
        if not np.array_equal(half.astype(np.float32), arr):
            raise ValueError(f"initializer {init.name} is not fp16-exact; keep the graph in fp32")
        keep.append(numpy_helper.from_array(half, init.name + "_fp16"))
        casts.append(helper.make_node("Cast", [init.name + "_fp16"], [init.name], to=TensorProto.FLOAT,
                                      name=f"cast_{init.name}"))
    del graph.initializer[:]
    graph.initializer.extend(keep)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model.SerializeToString()


def use_onnx(model: SwappableModel, threads: int | None = 1, precision: str = "fp32") -> bool:
    """Swap ``model.net`` and its companions for ONNX Runtime on the CPU; False (and a log line) if not possible.

    All of the model's networks are swapped, or none is.
    ``threads``: intra-op threads (``None``: ONNX Runtime's default, one per core).
    ``precision``: ``"int8"`` runs the quantised graph shipped beside the weights
    (:mod:`facefilter.tools.quantize`) when it was made from these weights and the CPU runs
    it exactly (:func:`int8_exact_here`), else fp32: the shipped fp32 graph when it was made
    from these weights, else the PyTorch network exported here (needs torch). Companions are
    always exported (fp32). A model whose network was not built yet (``LandmarkModel.load_single``
    on the CPU) stays without torch when a shipped graph fits.
    """
    if precision not in ("fp32", "int8"):
        raise ValueError(f"precision must be 'fp32' or 'int8', got {precision!r}")
    if model.device_type != "cpu":
        return False
    size, n_points = model.config.input_size, model.config.n_points
    net: Any = model.net if model.net_built else None
    if not isinstance(net, OnnxNet) and model.source is not None:
        if precision == "int8" and not int8_exact_here():
            log.warning("this CPU has no VNNI int8 instructions, where the int8 landmark graph loses accuracy; "
                     "running the fp32 network instead")
        elif precision == "int8":
            net = load_int8(model.source, threads=threads) or net
        if not isinstance(net, OnnxNet):
            net = load_fp32(model.source, threads=threads) or net
    try:  # every network or none: a half-swapped ensemble would mix two runtimes
        if not isinstance(net, OnnxNet):
            net = OnnxNet(export_onnx(model.net, size), n_points, threads)
        companions = [c if isinstance(c, OnnxNet) else OnnxNet(export_onnx(c, size), n_points, threads)
                      for c in model.companions]
    except Exception as exc:  # torch, onnx or onnxruntime missing, or an export problem: stay on PyTorch
        log.warning("ONNX Runtime not used for the landmark network (%s: %s)", type(exc).__name__, exc)
        return False
    model.net = net
    model.companions = companions  # type: ignore[assignment]
    return True
