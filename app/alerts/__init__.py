"""Alerts: what the rules found, deduplicated, acknowledged and resolved by people."""
