"""Draws the built-in filters' artwork, manifests and thumbnails into ``assets/filters``.

Run ``python -m facefilter.tools.art [--out assets/filters]`` to regenerate them. All art is
drawn with :mod:`facefilter.tools.art.paint` (supersampled anti-aliased shapes, gradients,
highlights); nothing is downloaded. One module per family of filters (glasses, hats, animals,
facial, mesh, lenses); :mod:`~facefilter.tools.art.sheet` has the template-unit drawing sheet; a
layer whose picture is a list of frames is written as an animated PNG (:mod:`~.frames`)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from facefilter.tools.art.animals import draw_cat, draw_dog
from facefilter.tools.art.facial import draw_beard, draw_clown_nose, draw_moustache
from facefilter.tools.art.frames import save_apng
from facefilter.tools.art.gear import draw_antlers, draw_halo, draw_ski_goggles
from facefilter.tools.art.glasses import draw_masquerade, draw_round_glasses, draw_sunglasses
from facefilter.tools.art.hats import draw_crown, draw_party_hat
from facefilter.tools.art.lenses import draw_hearts, draw_rainbow, draw_sparkle
from facefilter.tools.art.mesh import draw_big_eyes, draw_face_paint, draw_slim_face
from facefilter.tools.art.moods import draw_moods
from facefilter.tools.art.sheet import THUMB_SIZE, FilterArt
from facefilter.tools.art.statue import draw_marble_statue
from facefilter.tools.art.swap import draw_face_swap
from facefilter.tools.art.thumbnail import cartoon_face


def _compact_json(data: Any) -> str:
    """Indented JSON with lists of numbers (and lists of such lists) kept on one line."""
    text = json.dumps(data, indent=2)
    flat = re.compile(r"\[\s+([-\d.,\s]+?)\s+\]")
    text = flat.sub(lambda m: "[" + re.sub(r"\s+", " ", m.group(1)) + "]", text)
    item = r"(?:-?[\d.]+|\[[-\d., ]*\])"
    nested = re.compile(rf"\[\s+({item}(?:,\s+{item})*)\s+\]")
    text = nested.sub(lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
    return text + "\n"


def write_filter(art: FilterArt, out_dir: Path) -> Path:
    """Write ``art``'s images and manifest, then render its thumbnail with the real engine."""
    from facefilter.filters.engine import Filter  # the engine reads back what we wrote

    folder = out_dir / art.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    layers = []
    for layer in art.layers:
        if isinstance(layer.image, list):
            save_apng(folder / layer.entry["image"], layer.image, layer.fps)
        elif layer.image is not None:  # a swap layer's picture is its "source"
            name = layer.entry.get("image") or layer.entry["source"]
            cv2.imwrite(str(folder / name), layer.image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        for file, text in layer.files.items():
            (folder / file).write_text(text, encoding="utf-8")
        for file, picture in layer.images.items():
            cv2.imwrite(str(folder / file), picture, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        layers.append(layer.entry)
    manifest = {"format": 1, "title": art.title, "description": art.description, "author": "facefilter (generated)",
                "order": art.order, "thumbnail": "thumbnail.png", "layers": layers}  # fmt: skip
    (folder / "manifest.json").write_text(_compact_json(manifest), encoding="utf-8")
    if art.thumbnail is not None:
        thumb = cv2.resize(art.thumbnail, (THUMB_SIZE, THUMB_SIZE), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(folder / "thumbnail.png"), thumb, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        return folder
    big = THUMB_SIZE * 3
    face, lm = cartoon_face(big, art.thumb_centre_y, art.thumb_span, art.thumb_mouth_open, art.thumb_smile,
                            art.thumb_wink)
    cv2.imwrite(str(folder / "thumbnail.png"), face)  # placeholder so the manifest validates
    rendered = Filter.load(folder).render(face, [lm])
    k = big / art.thumb_span  # template units -> thumbnail pixels (before the final downscale)
    for start, end in art.thumb_arrows:  # hints for effects that are subtle at icon size
        corner = np.array([-art.thumb_span / 2, art.thumb_centre_y - art.thumb_span / 2])
        p0, p1 = ((np.array(q) - corner) * k for q in (start, end))
        for colour, width in (((60, 40, 30), 11), ((255, 255, 255), 5)):
            cv2.arrowedLine(rendered, tuple(np.round(p0 * 16).astype(int)), tuple(np.round(p1 * 16).astype(int)),
                            colour, width, cv2.LINE_AA, shift=4, tipLength=0.45)  # fmt: skip
    thumb = cv2.resize(rendered, (THUMB_SIZE, THUMB_SIZE), interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(folder / "thumbnail.png"), thumb, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return folder


DRAWINGS: list[Callable[[], FilterArt]] = [
    draw_sunglasses,
    draw_round_glasses,
    draw_moustache,
    draw_beard,
    draw_dog,
    draw_cat,
    draw_crown,
    draw_party_hat,
    draw_clown_nose,
    draw_masquerade,
    draw_face_paint,
    draw_big_eyes,
    draw_slim_face,
    draw_ski_goggles,
    draw_halo,
    draw_antlers,
    draw_face_swap,
    draw_marble_statue,
    draw_rainbow,
    draw_hearts,
    draw_sparkle,
    draw_moods,
]


def default_out() -> Path:
    return Path(__file__).resolve().parents[3] / "assets" / "filters"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m facefilter.tools.art", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=default_out(), help="folder for the filter folders (assets/filters)")
    ap.add_argument("--only", nargs="*", help="draw only these filters")
    args = ap.parse_args(argv)
    for draw in DRAWINGS:
        name = draw.__name__.removeprefix("draw_")
        if args.only and name not in args.only:
            continue
        folder = write_filter(draw(), args.out)
        print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
