"""Shipped landmark weights (installed as package data ``facefilter.models``)."""
