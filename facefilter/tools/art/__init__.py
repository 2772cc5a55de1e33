"""The built-in filters' artwork, drawn by the project: ``python -m facefilter.tools.art`` (see :mod:`.build`)."""
