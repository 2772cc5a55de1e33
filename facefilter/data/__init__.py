"""Reading face-landmark data sets (no torch): see :mod:`facefilter.data.ibug`."""

from facefilter.data.ibug import (
    IMAGE_SUFFIXES,
    OFFICIAL_XML,
    SHARED_DATA,
    DatasetError,
    FaceRecord,
    LoadReport,
    discover,
    load_many,
    parse_labels_xml,
    parse_pts,
    parse_pts_folder,
    split_indices,
    tight_box,
)

__all__ = [
    "IMAGE_SUFFIXES",
    "OFFICIAL_XML",
    "SHARED_DATA",
    "DatasetError",
    "FaceRecord",
    "LoadReport",
    "discover",
    "load_many",
    "parse_labels_xml",
    "parse_pts",
    "parse_pts_folder",
    "split_indices",
    "tight_box",
]
