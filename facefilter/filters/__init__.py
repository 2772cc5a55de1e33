"""Face filters: stickers, meshes and warps that follow 68-point landmarks. No Qt here.

``builtin_filters()`` returns the shipped filters by name; ``filter.render(frame_bgr, faces)``
returns a new BGR frame with the filter drawn on every face (each face has ``landmarks``
``(68, 2)`` in frame pixels). Filters are folders with a manifest (see
:mod:`facefilter.filters.manifest`); users add theirs in :func:`user_filter_dir` or with
:func:`import_filter_zip`.
"""

from __future__ import annotations

from facefilter.filters.engine import Filter
from facefilter.filters.loader import builtin_filters, import_filter_zip, load_filters, user_filter_dir
from facefilter.filters.manifest import FilterError

__all__ = ["Filter", "FilterError", "builtin_filters", "import_filter_zip", "load_filters", "user_filter_dir"]
