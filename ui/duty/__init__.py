"""The 值班备勤 page: the trio, duty rosters, task forces and volunteers (with the readiness
tabs of ui/readiness: checkpoints and supplies)."""
