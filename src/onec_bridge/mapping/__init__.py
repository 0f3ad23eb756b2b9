"""1C values <-> Python/SQL values."""
