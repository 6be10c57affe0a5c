"""The `tenue` command line."""
