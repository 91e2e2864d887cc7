"""The package version, in one place (the root, the CLI and the User-Agent read it)."""

__version__ = "0.1.0"
