"""onec-bridge: connect 1C:Enterprise to web applications.

The package is three things: a typed async client for 1C (``onec_bridge.onec``),
a sync engine driven by an exchange contract (``contract``, ``store``, ``sync``),
and a faithful 1C emulator (``onec_bridge.emulator``).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
