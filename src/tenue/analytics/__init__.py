"""Analytics: axes, tags and the splits of line amounts across tags (ventilation)."""
