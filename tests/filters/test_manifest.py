"""Manifest validation: a valid manifest in JSON and TOML, then one broken field at a time."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from facefilter.filters import FilterError
from facefilter.filters.manifest import Placement, WarpEffect, read_manifest
from tests.filters.helpers import thumbnail

SPRITE = np.dstack([np.full((20, 30, 3), 200, np.uint8), np.full((20, 30), 255, np.uint8)])
GOOD: dict[str, Any] = {
    "format": 1,
    "title": "Good one",
    "layers": [
        {"name": "glasses", "placement": "similarity", "image": "a.png", "anchors": [36, 45],
         "image_points": [[2, 3], [27, 3]], "z": 5},
        {"name": "tongue", "placement": "affine", "image": "a.png", "anchors": [48, 54, [57, 8]],
         "image_points": [[0, 0], [29, 0], [15, 19]], "when": {"measure": "mouth_open", "above": 0.2}},
        {"name": "mask", "placement": "perspective", "image": "a.png", "anchors": [17, 26, 15, 1],
         "image_points": [[0, 0], [29, 0], [29, 19], [0, 19]], "scale": 1.1, "offset": [0, -0.1]},
        {"name": "paint", "placement": "mesh", "image": "a.png", "opacity": 0.5, "z": -1},
        {"name": "eyes", "placement": "warp", "effect": "big_eyes", "strength": 0.4},
    ],
}  # fmt: skip


def folder_with(tmp_path: Path, manifest: Any, name: str = "myfilter", suffix: str = "json") -> Path:
    folder = tmp_path / name
    folder.mkdir(parents=True)
    cv2.imwrite(str(folder / "a.png"), SPRITE)
    cv2.imwrite(str(folder / "thumbnail.png"), thumbnail())
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    (folder / f"manifest.{suffix}").write_text(text, encoding="utf-8")
    return folder


def test_valid_manifest_parses_into_typed_layers(tmp_path: Path) -> None:
    m = read_manifest(folder_with(tmp_path, GOOD))
    assert m.name == "myfilter" and m.title == "Good one" and m.thumbnail.name == "thumbnail.png"
    assert [layer.name for layer in m.layers] == ["paint", "tongue", "mask", "eyes", "glasses"]  # sorted by z
    tongue = m.layers[1]
    assert tongue.placement is Placement.AFFINE and tongue.anchors == ((48,), (54,), (57, 8))
    assert tongue.when is not None and tongue.when.above == 0.2
    assert m.layers[3].effect is WarpEffect.BIG_EYES and m.layers[3].strength == 0.4
    assert m.layers[2].scale == 1.1 and m.layers[2].offset == (0.0, -0.1)


def test_toml_manifest_is_equivalent(tmp_path: Path) -> None:
    toml = """
format = 1
title = "Good one"

[[layers]]
name = "glasses"
placement = "similarity"
image = "a.png"
anchors = [36, 45]
image_points = [[2, 3], [27, 3]]
z = 5

[[layers]]
name = "eyes"
placement = "warp"
effect = "big_eyes"
strength = 0.4
"""
    from_toml = read_manifest(folder_with(tmp_path, toml, suffix="toml"))
    good = copy.deepcopy(GOOD)
    good["layers"] = [good["layers"][0], good["layers"][4]]
    from_json = read_manifest(folder_with(tmp_path / "j", good))

    def strip(m: Any) -> list:
        return [dataclasses.replace(layer, image=layer.image and layer.image.name) for layer in m.layers]

    assert strip(from_toml) == strip(from_json)


def edit(path: list[Any], value: Any = None, delete: bool = False) -> Callable[[dict], None]:
    def apply(d: dict) -> None:
        for key in path[:-1]:
            d = d[key]
        if delete:
            del d[path[-1]]
        else:
            d[path[-1]] = value

    return apply


CASES = [
    (edit(["title"], delete=True), "title", "missing required field"),
    (edit(["title"], 42), "title", "expected a string"),
    (edit(["title"], "   "), "title", "must not be empty"),
    (edit(["format"], 2), "format", "unsupported format version"),
    (edit(["thumbnail"], "nope.png"), "thumbnail", "not found"),
    (edit(["colour"], "red"), "colour", "unknown field"),
    (edit(["layers"], []), "layers", "non-empty list"),
    (edit(["layers", 0, "placement"], "stretch"), "layers[0].placement", "expected one of"),
    (edit(["layers", 0, "anchor"], [1, 2]), "layers[0].anchor", "did you mean 'anchors'"),
    (edit(["layers", 0, "anchors"], [36, 45, 30]), "layers[0].anchors", "expected a list of 2 anchors"),
    (edit(["layers", 0, "anchors"], [36, 68]), "layers[0].anchors[1]", "landmark index 0..67"),
    (edit(["layers", 0, "anchors"], [True, 45]), "layers[0].anchors[0]", "landmark index 0..67"),
    (edit(["layers", 0, "image_points"], [[1, 2]]), "layers[0].image_points", "expected 2 [x, y] points"),
    (edit(["layers", 0, "image_points"], [[1, 2], [1, 2]]), "layers[0].image_points", "coincide"),
    (edit(["layers", 0, "image_points"], [[1, "a"], [3, 4]]), "layers[0].image_points[0]", "two finite numbers"),
    (edit(["layers", 1, "image_points"], [[0, 0], [1, 1], [2, 2]]), "layers[1].image_points", "collinear"),
    (edit(["layers", 0, "image"], "missing.png"), "layers[0].image", "not found"),
    (edit(["layers", 0, "image"], "../a.png"), "layers[0].image", "inside the filter folder"),
    (edit(["layers", 0, "image"], "/etc/passwd.png"), "layers[0].image", "inside the filter folder"),
    (edit(["layers", 0, "image"], "art.svg"), "layers[0].image", "SVG is not supported"),
    (edit(["layers", 0, "image"], "a.gif"), "layers[0].image", "expected one of"),
    (edit(["layers", 0, "opacity"], 1.5), "layers[0].opacity", "must be in [0.0, 1.0]"),
    (edit(["layers", 0, "z"], 1.5), "layers[0].z", "expected an integer"),
    (edit(["layers", 0, "scale"], 0), "layers[0].scale", "must be in (0.0"),
    (edit(["layers", 1, "when", "measure"], "smile"), "layers[1].when.measure", "expected one of"),
    (edit(["layers", 1, "when", "above"], delete=True), "layers[1].when.above", "needs 'above' and/or 'below'"),
    (edit(["layers", 3, "anchors"], [1, 2]), "layers[3].anchors", "unknown field for placement 'mesh'"),
    (edit(["layers", 4, "effect"], "big_nose"), "layers[4].effect", "expected one of"),
    (edit(["layers", 4, "strength"], 0), "layers[4].strength", "must be in (0.0, 1.0]"),
    (edit(["layers", 4, "image"], "a.png"), "layers[4].image", "unknown field for placement 'warp'"),
]


@pytest.mark.parametrize(("change", "field", "message"), CASES, ids=[c[1] + ":" + c[2][:20] for c in CASES])
def test_each_broken_field_is_named(tmp_path: Path, change: Callable, field: str, message: str) -> None:
    manifest = copy.deepcopy(GOOD)
    change(manifest)
    with pytest.raises(FilterError) as info:
        read_manifest(folder_with(tmp_path, manifest))
    err = info.value
    assert err.filter_name == "myfilter" and err.field == field
    assert message in str(err) and str(err).startswith("filter 'myfilter': ")


def test_unreadable_manifests(tmp_path: Path) -> None:
    with pytest.raises(FilterError, match=r"manifest.json: invalid JSON at line 1"):
        read_manifest(folder_with(tmp_path, "{nope"))
    with pytest.raises(FilterError, match=r"manifest.toml: invalid TOML"):
        read_manifest(folder_with(tmp_path, "title = ", name="t", suffix="toml"))
    both = folder_with(tmp_path, GOOD, name="both")
    (both / "manifest.toml").write_text('title = "x"', encoding="utf-8")
    with pytest.raises(FilterError, match="keep one"):
        read_manifest(both)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FilterError, match=r"no manifest\.json or manifest\.toml"):
        read_manifest(tmp_path / "empty")
    with pytest.raises(FilterError, match="expected a table"):
        read_manifest(folder_with(tmp_path, "[1, 2]", name="list"))
