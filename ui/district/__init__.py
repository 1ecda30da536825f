"""The district's own pages over its communities."""
