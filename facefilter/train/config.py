"""Every option of a training run (:class:`TrainConfig`), written as ``config.json`` beside its outputs."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from facefilter.landmarks.model import ARCH_FC, ARCHS
from facefilter.landmarks.weights import ModelConfig

CONFIG_NAME = "config.json"


SELECT_CHOICES = ("val_nme_flip", "val_nme")


@dataclass
class TrainConfig:
    """Every option of a training run; written to ``config.json`` in the run folder."""

    data: list[str] = field(default_factory=list)
    extra_data: list[str] = field(default_factory=list)
    # Share of the extra_data faces in each epoch, drawn afresh every epoch (1.0: all of them).
    extra_fraction: float = 1.0
    out: str = "runs/landmarks"
    epochs: int = 60
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    optimizer: str = "adamw"
    schedule: str = "cosine"
    warmup_epochs: float = 1.0
    loss: str = "l1"
    # Network head: "resnet18-gray" (pool + fc, the reference) or "resnet18-gray-soft" (spatial soft-argmax).
    arch: str = ARCH_FC
    input_size: int = 160
    crop_scale: float = 1.25
    val_fraction: float = 0.1
    seed: int = 0
    rotation: float = 30.0
    scale: float = 0.1
    shift: float = 0.05
    flip: float = 0.5
    occlusion: float = 0.0
    # Share of training faces replaced each time by a copy turned to a large pose
    # (facefilter.train.profile: yaw up to +-profile_yaw, pitch up to +-profile_pitch degrees).
    profile_aug: float = 0.0
    profile_yaw: float = 75.0
    profile_pitch: float = 30.0
    device: str | None = None
    workers: int = 0
    max_steps: int | None = None
    limit: int | None = None
    init: str | None = None
    channels_last: bool = True
    amp: bool = True
    threads: int | None = None
    # Decay per optimiser step of an exponential moving average of the weights (0: off). With it
    # the average is what is validated, selected and saved; the raw weights keep training.
    ema: float = 0.0
    # Validation figure that picks best.safetensors: "val_nme_flip" (with test-time flip, what
    # LandmarkModel.predict does by default; it also swings less between epochs) or "val_nme".
    select: str = "val_nme_flip"

    def __post_init__(self) -> None:
        if self.select not in SELECT_CHOICES:
            raise ValueError(f"select must be one of {', '.join(SELECT_CHOICES)}, got {self.select!r}")
        if self.arch not in ARCHS:
            raise ValueError(f"arch must be one of {', '.join(ARCHS)}, got {self.arch!r}")
        if not 0.0 <= self.extra_fraction <= 1.0:
            raise ValueError(f"extra_fraction must be in [0, 1], got {self.extra_fraction}")
        if not 0.0 <= self.profile_aug <= 1.0:
            raise ValueError(f"profile_aug must be in [0, 1], got {self.profile_aug}")
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"ema must be in [0, 1), got {self.ema}")

    def model_config(self) -> ModelConfig:
        return ModelConfig(input_size=self.input_size, crop_scale=self.crop_scale, arch=self.arch)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> TrainConfig:
        values = json.loads(path.read_text())
        values.setdefault("select", "val_nme")  # runs saved before the option picked without flip-test
        return cls(**values)
