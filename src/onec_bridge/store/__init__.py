"""The app database: destination tables, batched upserts, bridge state."""
