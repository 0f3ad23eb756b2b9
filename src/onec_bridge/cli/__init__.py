"""The `onec-bridge` command line."""

from onec_bridge.cli.app import app, main

__all__ = ["app", "main"]
