"""nmref: an offline reference for neurometabolic drugs, every fact quoted from its source."""

__version__ = "0.1.0"
