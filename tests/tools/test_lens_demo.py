"""The lens demo's script moves landmarks into the expressions it names, and the lenses answer."""

from __future__ import annotations

import numpy as np

from facefilter.filters import builtin_filters, geometry
from facefilter.filters import triggers as tr
from facefilter.tools import lens_demo
from tests.conftest import draw_face


def signals(points: np.ndarray) -> dict[tr.Event, float]:
    m = tr.face_measures(points, geometry.face_scale(points))
    return {e: tr.signal(e, m, tr.POPULATION) for e in (tr.Event.MOUTH_OPEN, tr.Event.SMILE, tr.Event.WINK_RIGHT)}


def test_the_script_reaches_each_expression_and_only_that_one() -> None:
    neutral = geometry.template_face((200.0, 200.0), 100.0, 12.0)
    neutral[[65, 66, 67]] = neutral[[63, 62, 61]]  # closed lips, as the demo's 300-W face has
    on = {e: tr.DEFAULTS[e].on for e in (tr.Event.MOUTH_OPEN, tr.Event.SMILE, tr.Event.WINK_RIGHT)}
    for (start, end, name, _), event in zip(lens_demo.SCRIPT, on, strict=True):
        mid = lens_demo.expression_at((start + end) / 2)
        assert mid.label == name
        s = signals(lens_demo.drive(neutral, mid))
        assert {e for e in on if s[e] > on[e]} == {event}, name
    assert lens_demo.expression_at(0.5).label == "neutral"
    np.testing.assert_allclose(lens_demo.drive(neutral, lens_demo.Expression()), neutral, atol=1e-9)


def test_the_rainbow_pours_once_the_puppet_opens_its_mouth() -> None:
    points = geometry.template_face((160.0, 110.0), 80.0)
    points[[65, 66, 67]] = points[[63, 62, 61]]
    image = draw_face(points, (320, 320))
    frames, labels = lens_demo.play(lens_demo.Puppet(image, points), [builtin_filters()["rainbow"]], 75)
    assert "mouth_open" not in labels[40] and "[mouth_open]" in labels[-1]
    bare = lens_demo.Puppet(image, points).frame(lens_demo.expression_at(74 / lens_demo.FPS))[0]
    below_chin = np.abs(frames[-1][230:].astype(int) - bare[230:]).max(2) > 40
    assert below_chin.sum() > 500
    np.testing.assert_array_equal(frames[40], lens_demo.Puppet(image, points).frame(lens_demo.Expression())[0])
