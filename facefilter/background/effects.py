"""Background effects as pure functions on arrays, and the ``--background`` choice.

Every function takes HxWx3 uint8 **BGR** frames and float32 HxW masks in [0, 1] (1 = person)
and returns new arrays; none modifies its input. :func:`composite` puts the person over an
effect image: where the mask is 1 the output is the frame's pixel, where it is 0 the effect's
pixel, in between a linear blend (the feathered edge).

A choice is a :class:`BackgroundSpec`, written ``none``, ``blur``, ``blur:STRENGTH``,
``desaturate``, ``color:#RRGGBB`` or ``image:PATH`` (``image:NAME`` for a background shipped
in ``assets/backgrounds``, e.g. ``image:beach``); ``str(spec)`` gives the text back.
"""

from __future__ import annotations

import importlib.resources
import math
import re
import struct
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np

from facefilter.background.segmenter import check_frame, check_mask

DEFAULT_BLUR = 12.0  # Gaussian sigma in pixels of a 640-px-wide frame (scaled with the width)
MAX_BLUR = 60.0
MAX_IMAGE_BYTES = 50 * 2**20
MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels: larger than any camera frame, bounded decode memory
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")


class BackgroundError(ValueError):
    """A background choice or image that cannot be used; the message names the text or the file."""


class BackgroundKind(StrEnum):
    NONE = "none"
    BLUR = "blur"
    DESATURATE = "desaturate"
    COLOR = "color"
    IMAGE = "image"


@dataclass(frozen=True)
class BackgroundSpec:
    """One background effect: ``kind``; ``strength`` (blur sigma, px of a 640-px-wide frame);
    ``color`` (B, G, R) for :attr:`BackgroundKind.COLOR`; ``image`` (as written: a path, or the
    name of a shipped background) for :attr:`BackgroundKind.IMAGE`."""

    kind: BackgroundKind = BackgroundKind.NONE
    strength: float = DEFAULT_BLUR
    color: tuple[int, int, int] = (0, 0, 0)
    image: str = ""

    @property
    def active(self) -> bool:
        return self.kind is not BackgroundKind.NONE

    @classmethod
    def parse(cls, text: str | None) -> BackgroundSpec:
        """``none|blur[:STRENGTH]|desaturate|color:#RRGGBB|image:PATH`` -> spec; raises :class:`BackgroundError`."""
        raw = (text or "").strip()
        head, sep, arg = raw.partition(":")
        kind = head.strip().lower() or "none"
        if kind in ("none", "off"):
            return cls()
        if kind == "blur":
            if not sep:
                return cls(BackgroundKind.BLUR)
            try:
                strength = float(arg)
            except ValueError:
                strength = math.nan
            if not 0 < strength <= MAX_BLUR:
                raise BackgroundError(f"background {raw!r}: blur strength must be a number in (0, {MAX_BLUR:g}]")
            return cls(BackgroundKind.BLUR, strength=strength)
        if kind in ("desaturate", "grey", "gray"):
            return cls(BackgroundKind.DESATURATE)
        if kind in ("color", "colour"):
            m = re.fullmatch(r"#?([0-9a-fA-F]{6})", arg.strip())
            if not m:
                raise BackgroundError(f"background {raw!r}: expected color:#RRGGBB, e.g. color:#2E7D32")
            r, g, b = (int(m.group(1)[i : i + 2], 16) for i in (0, 2, 4))
            return cls(BackgroundKind.COLOR, color=(b, g, r))
        if kind == "image":
            if not arg.strip():
                raise BackgroundError(f"background {raw!r}: expected image:PATH or image:NAME of a shipped background")
            return cls(BackgroundKind.IMAGE, image=arg.strip())
        raise BackgroundError(f"background {raw!r}: expected none, blur, blur:STRENGTH, desaturate, "
                              "color:#RRGGBB or image:PATH")

    def __str__(self) -> str:
        if self.kind is BackgroundKind.BLUR:
            return "blur" if self.strength == DEFAULT_BLUR else f"blur:{self.strength:g}"
        if self.kind is BackgroundKind.COLOR:
            b, g, r = self.color
            return f"color:#{r:02X}{g:02X}{b:02X}"
        if self.kind is BackgroundKind.IMAGE:
            return f"image:{self.image}"
        return self.kind.value

    def image_path(self) -> Path:
        """The image file: a shipped background's when :attr:`image` names one, else the path as written."""
        shipped = builtin_backgrounds()
        if self.image in shipped:
            return shipped[self.image]
        return Path(self.image).expanduser()


def builtin_backgrounds_dir() -> Path:
    """The folder of the shipped backgrounds (``assets/backgrounds`` installed as ``facefilter.assets``)."""
    return Path(str(importlib.resources.files("facefilter.assets") / "backgrounds"))


def builtin_backgrounds() -> dict[str, Path]:
    """Shipped backgrounds by name (file stem), sorted; empty when the folder is missing."""
    folder = builtin_backgrounds_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}


def image_header_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from a PNG or JPEG header without decoding the pixels; ``None`` for other formats."""
    with open(path, "rb") as f:
        head = f.read(32)
        if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
            w, h = struct.unpack(">II", head[16:24])
            return int(w), int(h)
        if head[:2] != b"\xff\xd8":
            return None
        f.seek(2)
        while True:  # walk the JPEG segments to the first start-of-frame marker
            marker = f.read(2)
            if len(marker) < 2 or marker[0] != 0xFF:
                return None
            if marker[1] in (0xD8, 0x01) or 0xD0 <= marker[1] <= 0xD7:
                continue
            size_bytes = f.read(2)
            if len(size_bytes) < 2:
                return None
            (size,) = struct.unpack(">H", size_bytes)
            if marker[1] in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                sof = f.read(5)
                if len(sof) < 5:
                    return None
                h, w = struct.unpack(">HH", sof[1:5])
                return int(w), int(h)
            f.seek(size - 2, 1)


def load_background_image(path: str | Path) -> np.ndarray:
    """Read a background picture as HxWx3 uint8 BGR, or raise :class:`BackgroundError` naming the file.

    Refused: a missing or unreadable file, one over 50 MiB, or over 40 megapixels (checked from
    the PNG/JPEG header before decoding, so a huge image never fills the memory).
    """
    p = Path(path)
    if not p.is_file():
        raise BackgroundError(f"background image {p}: no such file")
    try:
        n_bytes = p.stat().st_size
        if n_bytes > MAX_IMAGE_BYTES:
            raise BackgroundError(f"background image {p}: {n_bytes / 2**20:.0f} MiB is too large "
                                  f"(at most {MAX_IMAGE_BYTES // 2**20} MiB)")
        size = image_header_size(p)
        if size is not None and size[0] * size[1] > MAX_IMAGE_PIXELS:
            raise BackgroundError(f"background image {p}: {size[0]}x{size[1]} pixels is too large "
                                  f"(at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels)")
        data = np.fromfile(p, np.uint8)
    except OSError as exc:
        raise BackgroundError(f"background image {p}: cannot be read ({exc.strerror or exc})") from None
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None or img.size == 0:
        raise BackgroundError(f"background image {p}: not a picture OpenCV can read (PNG, JPEG, BMP, WebP, TIFF)")
    if img.shape[0] * img.shape[1] > MAX_IMAGE_PIXELS:
        raise BackgroundError(f"background image {p}: {img.shape[1]}x{img.shape[0]} pixels is too large "
                              f"(at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels)")
    return img


def cover_fit(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` scaled to cover ``size`` = (width, height) and centre-cropped to it (no bars, no stretch)."""
    check_frame(image, "cover_fit")
    w, h = size
    ih, iw = image.shape[:2]
    if w < 1 or h < 1:
        raise ValueError(f"cover_fit size must be positive, got {size}")
    s = max(w / iw, h / ih)
    sw, sh = max(w, round(iw * s)), max(h, round(ih * s))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(image, (sw, sh), interpolation=interp)
    x0, y0 = (sw - w) // 2, (sh - h) // 2
    return np.ascontiguousarray(scaled[y0 : y0 + h, x0 : x0 + w])


def composite(frame: np.ndarray, effect: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``frame * mask + effect * (1 - mask)`` as uint8 (BGR, HxWx3), in one pass (``cv2.blendLinear``).

    Exact at the ends: a pixel with mask 1 is the frame's, with mask 0 the effect's; in between
    a linear blend, within one grey level of the rounded exact value.
    """
    check_frame(frame, "composite")
    check_frame(effect, "composite (effect)")
    if effect.shape != frame.shape:
        raise ValueError(f"composite: effect {effect.shape} and frame {frame.shape} differ in size")
    m = check_mask(mask, frame.shape, "composite mask")
    return cv2.blendLinear(frame, effect, m, 1.0 - m)


def blur_background(
    frame: np.ndarray, mask: np.ndarray | None, strength: float = DEFAULT_BLUR, half: np.ndarray | None = None
) -> np.ndarray:
    """The frame Gaussian-blurred (sigma ``strength`` px of a 640-px-wide frame) without the person's colours.

    ``mask``: float32 in [0, 1], 1 = person, at the frame's size or smaller with its aspect
    (e.g. the segmenter's working size); ``None`` blurs everything alike. With a mask the blur is
    normalised by the blurred background weight (``blur(frame * (1 - m)) / blur(1 - m)``), so the
    person's pixels do not bleed into the blurred background as a halo around them. The blur runs
    at a reduced size (halved while sigma stays >= 2 px there, at most 8x) and is scaled back up
    bilinearly: smooth by construction, and 10-30x cheaper than at full size. ``half``: the frame
    already halved (``cv2.resize`` to ``(W // 2, H // 2)``, ``INTER_AREA``), when at hand: the
    first halving is then skipped.
    """
    check_frame(frame, "blur_background")
    if not 0 < strength <= MAX_BLUR:
        raise ValueError(f"blur strength must be in (0, {MAX_BLUR:g}], got {strength}")
    h, w = frame.shape[:2]
    sigma = strength * w / 640
    small, factor = frame, 1
    while factor < 8 and sigma / (2 * factor) >= 2 and min(small.shape[:2]) >= 16:
        if factor == 1 and half is not None and half.shape == (h // 2, w // 2, 3):
            small = half
        else:
            small = cv2.resize(small, (small.shape[1] // 2, small.shape[0] // 2), interpolation=cv2.INTER_AREA)
        factor *= 2  # halvings: an exact 2x2 average each, 8x cheaper than one INTER_AREA to 1/6
    sh, sw = small.shape[:2]
    s = sigma / factor
    if mask is None:
        out = cv2.GaussianBlur(small, (0, 0), s)
    else:
        if mask.ndim != 2 or abs(mask.shape[1] / mask.shape[0] - w / h) > 0.05 * w / h:
            raise ValueError(f"blur_background mask must be HxW with the frame's aspect ({w}x{h}), got {mask.shape}")
        m = check_mask(mask, mask.shape, "blur_background mask")
        if m.shape != (sh, sw):
            m = cv2.resize(m, (sw, sh), interpolation=cv2.INTER_AREA if m.shape[0] > sh else cv2.INTER_LINEAR)
        # A reduced pixel on the edge mixes person and room colours: grow the person by one reduced
        # pixel so only pure room pixels feed the blur.
        bg = 1.0 - cv2.dilate(m, np.ones((3, 3), np.uint8))
        weight = cv2.GaussianBlur(bg, (0, 0), s)
        num = cv2.GaussianBlur(small.astype(np.float32) * bg[..., None], (0, 0), s)
        # Deep inside the person no background is near (weight ~ 0); the person covers those pixels,
        # so there the effect keeps the person's own (unblurred) pixel instead of dividing by ~0.
        fill = np.maximum(0.05 - weight, 0.0)
        num += small.astype(np.float32) * fill[..., None]
        num /= (weight + fill + 1e-6)[..., None]
        out = cv2.convertScaleAbs(num)  # rounds and saturates to 0..255 (num >= 0)
    if factor > 1:
        out = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


def decontaminate(frame: np.ndarray, mask: np.ndarray, background: np.ndarray, min_alpha: float = 0.05) -> np.ndarray:
    """The person's own colours on the feathered edge, with the old room's colour taken out (uint8 BGR).

    An edge pixel (hair, the outline) is a mix ``I = a F + (1 - a) B`` of the person ``F`` and the
    room ``B`` behind them. Composited as it is over a new picture, the room's share shows as a
    coloured fringe; this returns ``F = B + (I - B) / a`` (clipped to 0-255), with ``B`` the room's
    colour estimated nearby (``background``: e.g. :func:`blur_background` of the frame with the mask)
    and ``a`` the mask, floored at ``min_alpha`` so noise is not blown up. Where the mask is 1 the
    result is the frame exactly; its weight in a composite falls to 0 with the mask.
    """
    check_frame(frame, "decontaminate")
    check_frame(background, "decontaminate (background)")
    m = check_mask(mask, frame.shape, "decontaminate mask")
    f = frame.astype(np.float32)
    b = background.astype(np.float32)
    a = np.maximum(m, min_alpha)[..., None]
    out = cv2.subtract(f, b)
    out /= a
    out += b
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def desaturate(frame: np.ndarray) -> np.ndarray:
    """The frame in grey (BGR, three equal channels)."""
    check_frame(frame, "desaturate")
    return cv2.cvtColor(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)


def solid(size: tuple[int, int], color_bgr: tuple[int, int, int]) -> np.ndarray:
    """An HxWx3 uint8 image of one BGR colour; ``size`` = (width, height)."""
    w, h = size
    return np.full((h, w, 3), np.asarray(color_bgr, np.uint8), np.uint8)
