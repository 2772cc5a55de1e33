"""Facial expressions: FER-style face crops, the expression network's runtime, smoothing per track.

No torch on the CPU path: :class:`ExpressionModel` runs the shipped ONNX graph with ONNX Runtime
(the PyTorch network in :mod:`facefilter.expression.net` is for training, export and CUDA).
"""

from facefilter.expression.config import EXPRESSIONS, ExpressionConfig
from facefilter.expression.crop import fer_crop_matrix, fer_crops
from facefilter.expression.model import ExpressionModel, ExpressionModelError

__all__ = ["EXPRESSIONS", "ExpressionConfig", "ExpressionModel", "ExpressionModelError", "fer_crop_matrix",
           "fer_crops"]
