"""Capture: the only package that opens cameras, video files and image folders.

``open_source(spec)`` gives a :class:`FrameSource`; :class:`FrameGrabber` reads one on its own
thread and always hands over the newest frame (HxWx3 uint8 BGR).
"""

from facefilter.capture.grabber import FrameGrabber
from facefilter.capture.sources import (
    CameraSource,
    CaptureError,
    CorruptFrameError,
    FrameSource,
    ImageFolderSource,
    SourceLostError,
    VideoFileSource,
    list_cameras,
    open_source,
)

__all__ = [
    "CameraSource",
    "CaptureError",
    "CorruptFrameError",
    "FrameGrabber",
    "FrameSource",
    "ImageFolderSource",
    "SourceLostError",
    "VideoFileSource",
    "list_cameras",
    "open_source",
]
