"""Built-in filter assets (installed as package data ``facefilter.assets``)."""
