"""The training side of the data: caching a face region."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from facefilter.data import FaceRecord
from facefilter.train.dataset import cache_face
from tests.conftest import mean_face_points


def test_corrupt_image_is_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    pts = mean_face_points()
    with caplog.at_level(logging.WARNING):
        assert cache_face(FaceRecord(tmp_path / "broken.jpg", np.zeros(4), pts), 320) is None
    assert "broken.jpg" in caplog.text
