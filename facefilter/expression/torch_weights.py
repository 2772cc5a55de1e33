"""Reading and writing expression weights (torch): safetensors with the :class:`ExpressionConfig`
as metadata; training checkpoints (``.pt``) read with ``torch.load(weights_only=True)``."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from facefilter.expression.config import ExpressionConfig
from facefilter.expression.net import ExpressionNet
from facefilter.landmarks.weights import fill_checked


class ExpressionWeightsError(RuntimeError):
    """A weights file is missing, unreadable or does not fit the network."""


def save_weights(net: ExpressionNet, cfg: ExpressionConfig, path: str | Path,
                 extra: dict[str, str] | None = None) -> None:
    """Write ``net``'s weights (fp32) and ``cfg`` to a safetensors file, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous().cpu() for k, v in net.state_dict().items()}
    meta = {"facefilter_expression_config": json.dumps(asdict(cfg)), **(extra or {})}
    tmp = path.with_suffix(path.suffix + ".tmp")
    save_file(state, str(tmp), metadata=meta)
    tmp.replace(path)


def load_weights(path: str | Path) -> tuple[ExpressionNet, ExpressionConfig]:
    """Build an :class:`ExpressionNet` from a ``.safetensors`` file or a training checkpoint
    (``.pt``), checking every tensor's shape; returned in eval mode on the CPU."""
    path = Path(path)
    if not path.is_file():
        raise ExpressionWeightsError(f"{path}: weights file not found")
    if path.suffix == ".safetensors":
        try:
            state = load_file(str(path))
            with safe_open(str(path), framework="pt") as f:
                meta = f.metadata() or {}
        except (SafetensorError, OSError, ValueError) as exc:
            raise ExpressionWeightsError(f"{path}: not a readable safetensors file ({exc})") from None
        cfg = ExpressionConfig.from_dict(json.loads(meta.get("facefilter_expression_config", "{}")))
    else:
        try:
            ckpt = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as exc:  # torch raises many types for truncated or foreign files
            raise ExpressionWeightsError(f"{path}: not a readable checkpoint ({type(exc).__name__})") from None
        if not isinstance(ckpt, dict) or "model" not in ckpt:
            raise ExpressionWeightsError(f"{path}: expected a training checkpoint with a 'model' entry")
        state, cfg = ckpt["model"], ExpressionConfig.from_dict(ckpt.get("expression_config", {}))
    net = ExpressionNet(cfg.width)
    fill_checked(net, state, path, ExpressionWeightsError)
    return net, cfg
