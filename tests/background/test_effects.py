"""Background effects as pure functions: exact compositing, cover-fit, halo-free blur, the choice
text and its round trip, and the messages for bad background images."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.background import (
    BackgroundError,
    BackgroundKind,
    BackgroundSpec,
    blur_background,
    builtin_backgrounds,
    composite,
    cover_fit,
    desaturate,
    load_background_image,
)
from facefilter.background.effects import MAX_IMAGE_PIXELS, decontaminate, image_header_size


def _frames(h: int = 60, w: int = 80, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8), rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_composite_is_exact_inside_outside_and_a_blend_in_the_band() -> None:
    frame, effect = _frames()
    mask = np.zeros(frame.shape[:2], np.float32)
    mask[:, 40:] = 1.0
    band = np.linspace(0.0, 1.0, 12, dtype=np.float32)[1:-1]  # a feather band of 10 columns
    mask[:, 25:35] = band
    out = composite(frame, effect, mask)
    assert out.dtype == np.uint8 and out.shape == frame.shape
    np.testing.assert_array_equal(out[:, 40:], frame[:, 40:])  # person: the frame, exactly
    np.testing.assert_array_equal(out[:, :25], effect[:, :25])  # background: the effect, exactly
    m = mask[:, 25:35, None].astype(np.float64)
    expected = effect[:, 25:35] + m * (frame[:, 25:35].astype(np.float64) - effect[:, 25:35])
    assert np.abs(out[:, 25:35] - expected).max() <= 1.0  # a linear blend, to one grey level
    lo = np.minimum(frame[:, 25:35], effect[:, 25:35])
    hi = np.maximum(frame[:, 25:35], effect[:, 25:35])
    assert np.all(out[:, 25:35] >= lo) and np.all(out[:, 25:35] <= hi)
    assert np.array_equal(frame, _frames()[0])  # the inputs are untouched


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        (np.zeros((60, 81), np.float32), "frame's size"),
        (np.full((60, 80), 1.5, np.float32), r"\[0, 1\]"),
        (np.full((60, 80), np.nan, np.float32), r"\[0, 1\]"),
        (np.zeros((60, 80, 1), np.float32), "HxW"),
    ],
)
def test_composite_rejects_bad_masks(mask: np.ndarray, message: str) -> None:
    frame, effect = _frames()
    with pytest.raises(ValueError, match=message):
        composite(frame, effect, mask)


def test_composite_rejects_an_effect_of_another_size() -> None:
    frame, _ = _frames()
    with pytest.raises(ValueError, match="differ in size"):
        composite(frame, frame[:, :10].copy(), np.zeros(frame.shape[:2], np.float32))
    with pytest.raises(ValueError, match="uint8 BGR"):
        composite(frame.astype(np.float32), frame, np.zeros(frame.shape[:2], np.float32))  # type: ignore[arg-type]


def test_cover_fit_fills_without_stretching() -> None:
    img = np.zeros((100, 300, 3), np.uint8)
    img[:, :100] = (255, 0, 0)
    img[:, 100:200] = (0, 255, 0)
    img[:, 200:] = (0, 0, 255)
    out = cover_fit(img, (120, 120))  # scaled 1.2x to 360x120, the middle 120 columns kept
    assert out.shape == (120, 120, 3)
    expected = cv2.resize(img, (360, 120), interpolation=cv2.INTER_LINEAR)[:, 120:240]
    np.testing.assert_array_equal(out, expected)
    assert (out[:, 5:-5, 1] > 250).all()  # only the green middle third remains
    tall = cover_fit(img, (40, 200))
    assert tall.shape == (200, 40, 3)


def test_masked_blur_leaves_no_halo_around_the_person() -> None:
    h, w = 240, 320
    frame = np.full((h, w, 3), 30, np.uint8)
    frame[60:180, 120:200] = 250  # a bright "person" on a dark room
    mask = np.zeros((h, w), np.float32)
    mask[60:180, 120:200] = 1.0
    plain = blur_background(frame, None, 12)
    clean = blur_background(frame, mask, 12)
    ring = np.zeros((h, w), bool)
    ring[50:190, 110:210] = True
    ring[60:180, 120:200] = False  # 10 px of background around the person
    assert plain[ring].mean() > 60  # the plain blur smears the person's brightness into the room
    assert clean[ring].max() <= 31  # the masked blur keeps the room's own colour there
    assert np.array_equal(blur_background(frame, cv2.resize(mask, (160, 120)), 12)[0, 0], clean[0, 0])


def test_blur_checks_its_inputs() -> None:
    frame, _ = _frames()
    with pytest.raises(ValueError, match="strength"):
        blur_background(frame, None, 0)
    with pytest.raises(ValueError, match="aspect"):
        blur_background(frame, np.zeros((60, 60), np.float32), 12)


def test_desaturate_is_grey_in_three_channels() -> None:
    frame, _ = _frames()
    out = desaturate(frame)
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    for c in range(3):
        np.testing.assert_array_equal(out[..., c], grey)


@pytest.mark.parametrize("text", ["none", "blur", "blur:4.5", "desaturate", "color:#2E7D32", "image:beach",
                                  "image:/tmp/a b/c.png"])
def test_spec_round_trip(text: str) -> None:
    spec = BackgroundSpec.parse(text)
    assert str(spec) == text
    assert BackgroundSpec.parse(str(spec)) == spec


def test_spec_fields_and_spellings() -> None:
    assert BackgroundSpec.parse("color:#FF8000").color == (0, 128, 255)  # BGR
    assert BackgroundSpec.parse("  Blur:20 ").strength == 20
    assert BackgroundSpec.parse("colour:00ff00") == BackgroundSpec.parse("color:#00FF00")
    assert BackgroundSpec.parse("") == BackgroundSpec() and not BackgroundSpec().active
    assert BackgroundSpec.parse("image:C:/pics/x.png").image == "C:/pics/x.png"  # only the first ':' splits
    assert BackgroundSpec.parse("desaturate").kind is BackgroundKind.DESATURATE


@pytest.mark.parametrize(("text", "message"), [
    ("sparkles", "expected none, blur"), ("color:red", "color:#RRGGBB"), ("color:#12345", "color:#RRGGBB"),
    ("blur:0", "blur strength"), ("blur:x", "blur strength"), ("blur:500", "blur strength"), ("image:", "image:PATH"),
])
def test_spec_errors_quote_the_text(text: str, message: str) -> None:
    with pytest.raises(BackgroundError, match=message) as err:
        BackgroundSpec.parse(text)
    assert repr(text.strip()) in str(err.value)


def test_bad_background_images_give_one_clear_message(tmp_path: Path) -> None:
    missing = tmp_path / "gone.png"
    with pytest.raises(BackgroundError, match="no such file") as err:
        load_background_image(missing)
    assert str(missing) in str(err.value)
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    with pytest.raises(BackgroundError, match="not a picture") as err:
        load_background_image(text)
    assert str(text) in str(err.value)


def _png_header_only(path: Path, w: int, h: int) -> None:
    """A PNG whose header claims w x h (with a valid CRC) and whose pixel data is a tiny stub."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = b"IDAT" + zlib.compress(b"\x00" * 16)
    data += struct.pack(">I", len(idat) - 4) + idat + struct.pack(">I", zlib.crc32(idat))
    path.write_bytes(data + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND")))


def test_a_huge_image_is_refused_from_its_header(tmp_path: Path) -> None:
    huge = tmp_path / "huge.png"
    _png_header_only(huge, 30000, 20000)
    assert image_header_size(huge) == (30000, 20000)
    assert MAX_IMAGE_PIXELS < 30000 * 20000
    with pytest.raises(BackgroundError, match="30000x20000 pixels is too large") as err:
        load_background_image(huge)
    assert str(huge) in str(err.value)


def test_header_sizes_of_real_files(tmp_path: Path) -> None:
    img = np.zeros((37, 53, 3), np.uint8)
    for suffix in (".png", ".jpg"):
        p = tmp_path / f"x{suffix}"
        cv2.imwrite(str(p), img)
        assert image_header_size(p) == (53, 37)
        assert load_background_image(p).shape == (37, 53, 3)
    bmp = tmp_path / "x.bmp"
    cv2.imwrite(str(bmp), img)
    assert image_header_size(bmp) is None  # other formats: decoded, then checked
    assert load_background_image(bmp).shape == (37, 53, 3)


def test_shipped_backgrounds_load_and_are_small() -> None:
    shipped = builtin_backgrounds()
    assert {"office", "studio", "beach"} <= set(shipped)
    for name, path in shipped.items():
        assert path.stat().st_size < 300 * 1024, name
        img = load_background_image(path)
        assert img.shape[1] >= 1280 and img.shape[0] >= 720
        assert img.std() > 10, f"{name} is nearly flat"
    assert BackgroundSpec.parse("image:beach").image_path() == shipped["beach"]


def test_decontaminate_takes_the_old_room_out_of_the_edge() -> None:
    h, w = 20, 40
    person, room, new = np.array([128, 128, 128.0]), np.array([40, 120, 240.0]), np.array([0, 200, 0.0])
    alpha = np.tile(np.linspace(0, 1, w, dtype=np.float32), (h, 1))  # a soft edge, room to person
    frame = np.clip(alpha[..., None] * person + (1 - alpha[..., None]) * room + 0.5, 0, 255).astype(np.uint8)
    room_img = np.full_like(frame, room.astype(np.uint8))
    clean = decontaminate(frame, alpha, room_img)
    np.testing.assert_array_equal(clean[:, -1], frame[:, -1])  # mask 1: the frame, exactly
    band = alpha > 0.2
    assert np.abs(clean[band].astype(float) - person).max() <= 3  # the person's own grey, no orange
    new_img = np.full_like(frame, new.astype(np.uint8))
    fringe = composite(frame, new_img, alpha)[band].astype(float)
    fixed = composite(clean, new_img, alpha)[band].astype(float)
    expected = alpha[band][:, None] * person + (1 - alpha[band][:, None]) * new
    assert np.abs(fixed - expected).max() <= 2
    assert np.abs(fringe - expected).max() > 20  # without it the old room shows through the edge
