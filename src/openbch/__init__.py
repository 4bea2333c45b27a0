"""openbch: an open-source Biosafety Clearing-House."""

__version__ = "0.1.0"
