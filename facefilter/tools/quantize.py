"""The landmark network's ONNX graphs for the real-time pipeline: int8 (ONNX Runtime static
quantisation) and fp32.

The fp32 graph (``landmarks.fp32.onnx``, :func:`build_fp32`) is the exact network, its weights
stored in fp16 as in the safetensors file (batch norm kept as nodes, so nothing is rounded): the
app runs it without torch on CPUs where the int8 graph is not exact. Both are written by

    python -m facefilter.tools.quantize --data ../shared/data/ibug300w-train


The fp32 network is exported to ONNX and its convolutions up to ``layer3`` are quantised to
int8 (weights per channel, activations per tensor, QDQ format) with activation ranges
calibrated on crops of *training* faces (the validation split is never seen). On this CPU (with
VNNI) the graph runs 2x faster than the fp32 one, validation NME within 0.01 point (figures in
``models/README.md``). The file records the SHA-256 of the weights it was made from, so a stale
int8 file is never used with other weights: :func:`facefilter.landmarks.onnx.load_int8` then
returns ``None`` and the caller stays on fp32.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np

from facefilter.data import DatasetError, load_many, split_indices
from facefilter.landmarks.crop import crop_matrix, warp_crop
from facefilter.landmarks.onnx import (
    DIGEST_KEY,
    export_onnx,
    fp16_storage,
    fp32_path_for,
    int8_path_for,
    weights_digest,
)
from facefilter.landmarks.weights import ModelConfig, WeightsError, load_network, shipped_weights_path

log = logging.getLogger(__name__)

def calibration_inputs(config: ModelConfig, data: list[str], faces: int, seed: int = 0) -> list[np.ndarray]:
    """``(1, 1, S, S)`` float32 network inputs: tight-box crops of training-split faces and their mirrors."""
    records = load_many(data, split="train").records
    train, _ = split_indices(len(records), 0.1, seed)
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(train)[:faces]
    inputs = []
    for i in chosen:
        r = records[int(i)]
        gray = cv2.imread(str(r.image), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            log.warning("%s: missing or corrupt image, not used for calibration", r.image)
            continue
        lo, hi = r.points.min(axis=0), r.points.max(axis=0)
        m = crop_matrix(np.array([lo[0], lo[1], *(hi - lo)]), config.input_size, config.crop_scale)
        crop = (warp_crop(gray, m, config.input_size).astype(np.float32) / 255.0 - config.mean) / config.std
        inputs += [crop[None, None].astype(np.float32), crop[None, None, :, ::-1].copy().astype(np.float32)]
    if not inputs:
        raise DatasetError(f"no calibration face could be read from {', '.join(map(str, data))}")
    return inputs


def typical_inputs(fp32: bytes, inputs: list[np.ndarray], limit: float = 2.0) -> list[np.ndarray]:
    """The calibration inputs whose activations stay typical.

    A few faces drive some deep activations to 10-20x their usual peak. Calibrating on them
    (min/max) stretches those tensors' int8 ranges so far that every other face loses its
    precision (measured: validation NME 3.8 -> 6.0%). Inputs whose peak in any tensor exceeds
    ``limit`` times that tensor's median peak are left out; they are clipped at run time instead.
    """
    import onnx
    import onnxruntime as ort

    graph = onnx.load_from_string(fp32)
    names = [o for n in graph.graph.node for o in n.output]
    for name in names:
        if name not in {o.name for o in graph.graph.output}:
            graph.graph.output.append(onnx.ValueInfoProto(name=name))
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    peaks = np.array([[np.abs(a).max() for a in session.run(names, {"x": x})] for x in inputs])
    ratio = (peaks / np.maximum(np.median(peaks, axis=0), 1e-6)).max(axis=1)
    kept = [x for x, r in zip(inputs, ratio, strict=True) if r <= limit]
    log.info("calibration: %d of %d crops kept (activation peaks <= %.1fx the median)", len(kept), len(inputs), limit)
    return kept


def build_int8(
    weights: str | Path, data: list[str], out: str | Path, faces: int = 256,
    keep_fp32: tuple[str, ...] = ("layer4", "head"),
) -> Path:
    """Quantise ``weights`` to an int8 ONNX graph at ``out`` (written atomically); returns ``out``.

    Nodes whose name contains one of ``keep_fp32`` stay fp32, as does the last (``fc``) layer and
    the soft-argmax head (``head``: its logits and offsets are the coordinates).
    ``layer4`` by default: its activations are the most heavy-tailed (a few faces peak at 20x
    the usual), and in int8 one validation face moved by 16 px; kept in fp32 the worst point
    moves 2 px and validation NME rises by 0.01 point instead of 0.16, for 1.7x the int8 time
    (still 2x faster than fp32).
    """
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    weights, out = Path(weights), Path(out)
    net, cfg = load_network(weights)
    inputs = calibration_inputs(cfg, data, faces)

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = iter([{"x": x} for x in inputs])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._it, None)

    with tempfile.TemporaryDirectory(prefix="facefilter-int8-") as tmp:
        fp32, pre, q = Path(tmp, "fp32.onnx"), Path(tmp, "pre.onnx"), Path(tmp, "int8.onnx")
        fp32.write_bytes(export_onnx(net, cfg.input_size))
        inputs = typical_inputs(fp32.read_bytes(), inputs)
        quant_pre_process(str(fp32), str(pre))
        # The last layer stays fp32: int8 steps on the coordinates themselves cost accuracy for no speed.
        fp32_nodes = [n.name for n in onnx.load(str(pre)).graph.node
                      if n.op_type in ("Gemm", "MatMul") or any(k in n.name for k in keep_fp32)]
        quantize_static(str(pre), str(q), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=fp32_nodes)
        graph = onnx.load(str(q))
    meta = {DIGEST_KEY: weights_digest(weights), "facefilter_config": json.dumps(asdict(cfg)),
            "facefilter_calibration": f"{len(inputs)} crops ({len(inputs) // 2} training faces + mirrors)"}
    _save_with_meta(graph.SerializeToString(), meta, out)
    return out


def _save_with_meta(graph_bytes: bytes, meta: dict[str, str], out: Path) -> None:
    import onnx

    graph = onnx.load_from_string(graph_bytes)
    for key, value in meta.items():
        graph.metadata_props.add(key=key, value=value)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(out.suffix + ".tmp")
    onnx.save(graph, str(tmp_out))
    tmp_out.replace(out)


def build_fp32(weights: str | Path, out: str | Path) -> Path:
    """The fp32 ONNX graph of ``weights`` at ``out`` (written atomically), weights stored in fp16
    (:func:`~facefilter.landmarks.onnx.fp16_storage`; fp16 weights lose nothing); returns ``out``."""
    weights, out = Path(weights), Path(out)
    net, cfg = load_network(weights)
    graph = fp16_storage(export_onnx(net, cfg.input_size, keep_batchnorm=True))
    meta = {DIGEST_KEY: weights_digest(weights), "facefilter_config": json.dumps(asdict(cfg)),
            "facefilter_storage": "fp16 weights, fp32 arithmetic"}
    _save_with_meta(graph, meta, out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m facefilter.tools.quantize", description=__doc__.split("\n\n")[0])
    ap.add_argument("--fp32-only", action="store_true", help="write only the fp32 graph (needs no data)")
    ap.add_argument("--data", action="append", metavar="PATH",
                    help="training annotations (as for facefilter-train); only the training split is used")
    ap.add_argument("--weights", default=None, help="fp32/fp16 weights (default: the shipped ones)")
    ap.add_argument("--out", default=None, help="int8 ONNX file (default: beside the weights, landmarks.int8.onnx)")
    ap.add_argument("--faces", type=int, default=256, help="calibration faces (each also mirrored)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    weights = Path(args.weights) if args.weights else shipped_weights_path()
    if not args.fp32_only and not args.data:
        ap.error("--data is required for the int8 graph (or pass --fp32-only)")
    out = Path(args.out) if args.out else int8_path_for(weights)
    try:
        written = [build_fp32(weights, fp32_path_for(weights))]
        if not args.fp32_only:
            written.append(build_int8(weights, args.data, out, args.faces))
    except (WeightsError, DatasetError) as exc:
        print(f"quantize: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) from {weights}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
