"""The expression network: a narrow grayscale ResNet-18 with an 8-way head (torch; no I/O).

Used for training, evaluation, ONNX export and the optional CUDA path; the app's CPU path runs
the exported ONNX graph instead and never imports this module.

The body is torchvision's ResNet-18 (7x7 stride-2 stem, max-pool, four stages of two basic
blocks) with every width scaled: ``width=32`` gives stages of 32/64/128/256 channels, about a
quarter of the multiply-adds of the 64-wide landmark backbone. Input: ``(B, 1, S, S)`` grey
crops normalised as ``(pixel / 255 - mean) / std``; output: ``(B, 8)`` logits in
:data:`facefilter.expression.EXPRESSIONS` order.
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, ResNet

N_CLASSES = 8


class ExpressionNet(nn.Module):
    """ResNet-18 of stage widths ``width * (1, 2, 4, 8)`` on one grey channel -> ``(B, 8)`` logits."""

    def __init__(self, width: int = 32, n_classes: int = N_CLASSES, dropout: float = 0.0) -> None:
        super().__init__()
        if width < 8:
            raise ValueError(f"width must be >= 8, got {width}")
        self.width = width
        net = ResNet(BasicBlock, [2, 2, 2, 2], num_classes=n_classes)
        net.inplanes = width
        net.conv1 = nn.Conv2d(1, width, kernel_size=7, stride=2, padding=3, bias=False)
        net.bn1 = nn.BatchNorm2d(width)
        net.layer1 = net._make_layer(BasicBlock, width, 2)
        net.layer2 = net._make_layer(BasicBlock, 2 * width, 2, stride=2)
        net.layer3 = net._make_layer(BasicBlock, 4 * width, 2, stride=2)
        net.layer4 = net._make_layer(BasicBlock, 8 * width, 2, stride=2)
        net.fc = nn.Sequential(nn.Dropout(dropout), nn.Linear(8 * width, n_classes))
        self.backbone = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"ExpressionNet expects (B, 1, S, S) input, got {tuple(x.shape)}")
        return self.backbone(x)


def _stage_blocks(state: dict[str, torch.Tensor], layer: int) -> list[str]:
    return sorted({k.split(".")[2] for k in state if k.startswith(f"backbone.layer{layer}.")})


def init_from_wider(net: ExpressionNet, wide: dict[str, torch.Tensor]) -> int:
    """Fill ``net``'s body from a wider ResNet-18 state dict (e.g. the landmark backbone).

    Keeps, for each residual stream (stem + stage 1, stages 2, 3, 4), the channels whose
    batch-norm scales ``|gamma|`` summed over the layers writing to that stream are largest, and
    inside each block those of its first batch-norm; convolutions are sliced on both axes, so the
    narrow net starts as a pruned copy of the wide one. The head stays random. Returns the number
    of tensors copied.
    """
    def top(score: torch.Tensor, k: int) -> torch.Tensor:
        return torch.argsort(score.float().abs(), descending=True)[:k].sort().values

    w = net.width
    streams = [top(wide["backbone.bn1.weight"].float().abs()
                   + sum(wide[f"backbone.layer1.{b}.bn2.weight"].float().abs() for b in _stage_blocks(wide, 1)), w)]
    for i in range(2, 5):
        score = wide[f"backbone.layer{i}.0.downsample.1.weight"].float().abs()
        score = score + sum(wide[f"backbone.layer{i}.{b}.bn2.weight"].float().abs() for b in _stage_blocks(wide, i))
        streams.append(top(score, w * 2 ** (i - 1)))
    picks: dict[str, tuple[torch.Tensor | None, torch.Tensor | None]] = {
        "backbone.conv1": (streams[0], None), "backbone.bn1": (streams[0], None)}
    for i in range(1, 5):
        s_in, s_out = streams[max(i - 2, 0)], streams[i - 1]
        for b in ("0", "1"):
            inner = top(wide[f"backbone.layer{i}.{b}.bn1.weight"], w * 2 ** (i - 1))
            p = f"backbone.layer{i}.{b}"
            picks[f"{p}.conv1"] = (inner, s_in if b == "0" else s_out)
            picks[f"{p}.bn1"] = (inner, None)
            picks[f"{p}.conv2"] = (s_out, inner)
            picks[f"{p}.bn2"] = (s_out, None)
            if b == "0" and i > 1:
                picks[f"{p}.downsample.0"] = (s_out, s_in)
                picks[f"{p}.downsample.1"] = (s_out, None)
    own = net.state_dict()
    copied = 0
    for name, ref in own.items():
        module = name.rpartition(".")[0]
        if module not in picks or name not in wide:
            continue
        out_idx, in_idx = picks[module]
        t = wide[name].float()
        if t.ndim >= 1 and out_idx is not None:
            t = t[out_idx]
        if t.ndim == 4 and in_idx is not None:
            t = t[:, in_idx]
        if tuple(t.shape) != tuple(ref.shape):
            raise ValueError(f"init_from_wider: {name} sliced to {tuple(t.shape)}, expected {tuple(ref.shape)}")
        own[name] = t.to(ref.dtype)
        copied += 1
    net.load_state_dict(own)
    return copied
