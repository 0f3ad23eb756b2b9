"""A faithful stand-in for a 1C:Enterprise 8.3 publication of the standard OData interface.

>>> from onec_bridge.emulator import (EmulatorBase, EmulatorSettings, create_app,
...     generate_demo_base, run_in_thread)
>>> base = EmulatorBase.open(None)
>>> generate_demo_base(base, items=100, seed=1)
>>> app = create_app(base, EmulatorSettings(base_name="demo"))
>>> handle = run_in_thread(app)          # handle.url == "http://127.0.0.1:PORT/demo"
>>> handle.stop()
"""

from onec_bridge.emulator.app import EmulatorApp, create_app
from onec_bridge.emulator.base import BaseMismatchError, EmulatorBase, generate_demo_base
from onec_bridge.emulator.demo_config import ITEMS_SET, UNITS_SET, demo_configuration
from onec_bridge.emulator.model import Configuration
from onec_bridge.emulator.server import ServerHandle, run_in_thread
from onec_bridge.emulator.settings import DEFAULT_PASSWORD, DEFAULT_USER, EmulatorSettings

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_USER",
    "ITEMS_SET",
    "UNITS_SET",
    "BaseMismatchError",
    "Configuration",
    "EmulatorApp",
    "EmulatorBase",
    "EmulatorSettings",
    "ServerHandle",
    "create_app",
    "demo_configuration",
    "generate_demo_base",
    "run_in_thread",
]
