"""lean-connector: call the Lean Technologies open-banking API from one declarative spec."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
