"""Names of the landmark network heads (stored with the weights as ``ModelConfig.arch``); no torch
here, so reading a weights file's config does not load it (see :mod:`facefilter.landmarks.model`)."""

ARCH_FC = "resnet18-gray"  # global average pool, then fc to 2 x 68 outputs
ARCH_SOFT = "resnet18-gray-soft"  # soft-argmax over local regressions
ARCHS = (ARCH_FC, ARCH_SOFT)
