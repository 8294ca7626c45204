"""Access decisions for readers: online (ask before opening) and signed offline snapshots."""
