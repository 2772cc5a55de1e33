"""Reading and writing landmark weights: safetensors with the preprocessing config as metadata.

Training checkpoints (``.pt``) are read with ``torch.load(weights_only=True)`` only; that of a
run trained with ``--ema`` gives its moving average. Importing this module does not import
torch: :func:`read_config` reads a safetensors file's config without it (the real-time CPU path
runs the network in ONNX Runtime); building a network (:func:`load_network`) imports it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safetensors import SafetensorError

from facefilter.landmarks.arch import ARCH_FC, ARCHS

if TYPE_CHECKING:
    import torch
    from torch import nn

    from facefilter.landmarks.model import LandmarkNet

DEFAULT_WEIGHTS_NAME = "landmarks.safetensors"


class WeightsError(RuntimeError):
    """A weights file is missing, unreadable or does not fit the network."""


@dataclass(frozen=True)
class ModelConfig:
    """How crops are made and normalised for a set of weights (stored with them)."""

    input_size: int = 160
    crop_scale: float = 1.25
    mean: float = 0.5
    std: float = 0.25
    n_points: int = 68
    arch: str = ARCH_FC

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})  # type: ignore[arg-type]


def shipped_weights_path() -> Path:
    """The weights installed with the package (``facefilter/models/landmarks.safetensors``)."""
    return Path(str(resources.files("facefilter.models").joinpath(DEFAULT_WEIGHTS_NAME)))


def save_weights(
    model: nn.Module, config: ModelConfig, path: str | Path, *, half: bool = True,
    extra: dict[str, str] | None = None,
) -> None:
    """Write ``model``'s weights (fp16 by default) and ``config`` to a safetensors file."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        k: (v.detach().half() if half and v.is_floating_point() else v.detach()).contiguous().cpu()
        for k, v in model.state_dict().items()
    }
    meta = {"facefilter_config": json.dumps(asdict(config))}
    meta.update(extra or {})
    tmp = path.with_suffix(path.suffix + ".tmp")
    save_file(state, str(tmp), metadata=meta)
    tmp.replace(path)


def _safetensors_config(path: Path) -> ModelConfig:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"{path}: not a readable safetensors file ({exc})") from None
    try:
        return ModelConfig.from_dict(json.loads(meta.get("facefilter_config", "{}")))
    except (ValueError, TypeError) as exc:
        raise WeightsError(f"{path}: unreadable facefilter_config metadata ({exc})") from None


def read_config(path: str | Path) -> ModelConfig:
    """The preprocessing config stored with the weights at ``path``, without building a network.

    A safetensors file is read without torch; a ``.pt`` checkpoint needs it. Raises
    :class:`WeightsError` when the file is missing or unreadable or names an unknown network.
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    cfg = _safetensors_config(path) if path.suffix == ".safetensors" else _read_state(path)[1]
    if cfg.arch not in ARCHS:
        raise WeightsError(f"{path}: unknown network '{cfg.arch}' (known: {', '.join(ARCHS)}); newer facefilter?")
    return cfg


def _read_state(path: Path) -> tuple[dict[str, torch.Tensor], ModelConfig]:
    import torch

    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            state = load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise WeightsError(f"{path}: not a readable safetensors file ({exc})") from None
        return state, _safetensors_config(path)
    try:
        ckpt = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for truncated or foreign files
        raise WeightsError(f"{path}: not a readable PyTorch checkpoint ({type(exc).__name__}: {exc})") from None
    if isinstance(ckpt, dict) and "model" in ckpt:
        cfg = ModelConfig.from_dict(ckpt.get("model_config", {}))
        # A run trained with --ema validates and keeps the moving average: that is its network.
        return ckpt.get("ema", ckpt["model"]), cfg
    if isinstance(ckpt, dict):
        return ckpt, ModelConfig()
    raise WeightsError(f"{path}: expected a state dict, found {type(ckpt).__name__}")


def load_network(path: str | Path) -> tuple[LandmarkNet, ModelConfig]:
    """Build a :class:`LandmarkNet` and fill it from ``path``, checking every tensor's shape (imports torch)."""
    from facefilter.landmarks.model import LandmarkNet

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    state, cfg = _read_state(path)
    state = {k.removeprefix("module."): v for k, v in state.items()}
    if cfg.arch not in ARCHS:
        raise WeightsError(f"{path}: unknown network '{cfg.arch}' (known: {', '.join(ARCHS)}); newer facefilter?")
    net = LandmarkNet(cfg.n_points, cfg.arch)
    fill_checked(net, state, path, WeightsError, "; not facefilter weights?")
    return net, cfg


def fill_checked(net: Any, state: Mapping[str, Any], path: Path, error: type[Exception], hint: str = "") -> None:
    """Load ``state`` into the torch module ``net`` (cast to its dtypes) and put it in eval mode,
    after checking that every tensor ``net`` expects is there with its shape; else raise ``error``
    naming ``path`` (``hint`` is appended to the missing-tensor message)."""
    expected = net.state_dict()
    missing = sorted(set(expected) - set(state))
    if missing:
        raise error(f"{path}: missing {len(missing)} tensors (first: {missing[0]}){hint}")
    for name, ref in expected.items():
        if tuple(state[name].shape) != tuple(ref.shape):
            raise error(f"{path}: tensor {name} has shape {tuple(state[name].shape)}, expected {tuple(ref.shape)}")
    net.load_state_dict({k: state[k].to(ref.dtype) for k, ref in expected.items()})
    net.eval()
