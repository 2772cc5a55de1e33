"""The desktop app (PyQt6): the only package that imports Qt.

``facefilter`` (:func:`facefilter.gui.app.main`) opens :class:`~facefilter.gui.window.MainWindow`;
a :class:`~facefilter.gui.worker.PipelineWorker` thread reads the camera or file and runs the
pipeline, the GUI thread only paints what it sends. Importing this package does not import Qt.
"""
