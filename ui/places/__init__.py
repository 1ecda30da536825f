"""The 场所检查 page (tabs 场所 / 检查 / 整改) and the place dialog."""
