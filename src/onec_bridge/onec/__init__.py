"""Talking to 1C: transport, resilience, OData v3 dialect, HTTP services."""
