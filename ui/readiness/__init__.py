"""The readiness tabs of the 值班备勤 page: checkpoints (卡口) and supplies (物资)."""
