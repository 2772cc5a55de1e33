"""Tools that build or measure shipped artefacts, above every runtime package.

calibrate (detector-box mapping), quantize (int8 graph), art (filter artwork), gallery, relabel.
"""
