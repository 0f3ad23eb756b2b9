"""`python -m onec_bridge` is `onec-bridge`."""

from onec_bridge.cli import main

main()
