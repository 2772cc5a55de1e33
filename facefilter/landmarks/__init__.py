"""Face landmarks: the network, its weights, and the predictor the app uses."""

from facefilter.landmarks.predictor import LandmarkModel
from facefilter.landmarks.weights import ModelConfig, WeightsError

__all__ = ["LandmarkModel", "ModelConfig", "WeightsError"]
