"""planmap: the map of Lianzhou's 14th Five-Year Plan projects and their progress."""

__version__ = "0.1.0"
