"""Face filters: stickers, meshes and warps that follow 68-point landmarks. No Qt here.

``builtin_filters()`` returns the shipped filters by name; ``filter.render(frame_bgr, faces, t=None)``
returns a new BGR frame with the filter drawn on every face (each face has ``landmarks``
``(68, 2)`` in frame pixels, and an ``id``); ``t``, the frame time in seconds, drives animated
layers, triggers and particles, whose state the filter keeps per face id (``filter.reset()``
forgets it). Filters are folders with a manifest (see
:mod:`facefilter.filters.manifest`); users add theirs in :func:`user_filter_dir` or with
:func:`import_filter_zip`. :func:`face_from_photo` makes a filter that lays the face of a photo
onto every face (a face swap, :mod:`facefilter.filters.swap`).
"""

from __future__ import annotations

from facefilter.filters.engine import Filter
from facefilter.filters.loader import builtin_filters, import_filter_zip, load_filters, user_filter_dir
from facefilter.filters.manifest import FilterError
from facefilter.filters.photo import face_from_photo

__all__ = [
    "Filter",
    "FilterError",
    "builtin_filters",
    "face_from_photo",
    "import_filter_zip",
    "load_filters",
    "user_filter_dir",
]
