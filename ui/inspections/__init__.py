"""The 检查 and 整改 tabs of the 场所检查 page, and the inspection dialog."""
