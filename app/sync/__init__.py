"""Sync with the district: keys, enrollment, bundle files and the engine that applies them."""
