"""Scrobble Insights: last.fm listening history -> tested warehouse -> dashboard."""

__version__ = "0.1.0"
