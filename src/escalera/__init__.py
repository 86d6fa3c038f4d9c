"""escalera: ladders of quality standards for networks of small producers."""
__version__ = "0.1.0"
