"""TinyVision Curate: FER data curation for a tiny int8 OpenMV camera model."""

__version__ = "0.1.0"
