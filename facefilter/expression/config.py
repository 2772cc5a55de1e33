"""What an expression network expects (stored with its weights); no torch, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, fields

# FER+ order: the index of each class in every probability vector of this package.
EXPRESSIONS = ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt")


@dataclass(frozen=True)
class ExpressionConfig:
    """Input of a set of weights: ``input_size`` px square grey crops (48x48 FER crops resized
    bilinearly), normalised as ``(pixel / 255 - mean) / std``; ``width`` of the ResNet-18 body."""

    input_size: int = 48
    mean: float = 0.5
    std: float = 0.25
    width: int = 32

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> ExpressionConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})  # type: ignore[arg-type]


# A face's smoothed expression travels with it in ``Face.extra`` under these keys (one per class).
EXTRA_PREFIX = "expression."


def to_extra(probs: object) -> dict[str, float]:
    """``Face.extra`` entries for ``(8,)`` probabilities in :data:`EXPRESSIONS` order."""
    values = [float(v) for v in probs]  # type: ignore[attr-defined]
    if len(values) != len(EXPRESSIONS):
        raise ValueError(f"expected {len(EXPRESSIONS)} probabilities, got {len(values)}")
    return {EXTRA_PREFIX + name: v for name, v in zip(EXPRESSIONS, values, strict=True)}


def from_extra(extra: object) -> list[float] | None:
    """The ``(8,)`` probabilities stored by :func:`to_extra` in a ``Face.extra`` dict; None when absent."""
    if not isinstance(extra, dict):
        return None
    try:
        return [float(extra[EXTRA_PREFIX + name]) for name in EXPRESSIONS]
    except KeyError:
        return None


# The smoothed label (index into EXPRESSIONS, stored as a float) in ``Face.extra``.
EXTRA_LABEL = "expression_label"
