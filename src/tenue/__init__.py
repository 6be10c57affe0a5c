"""tenue: accounting production for French accounting firms."""

__version__ = "0.1.0"
