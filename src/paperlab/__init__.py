"""paperlab: read, search and replicate ML papers from one offline-first CLI."""

__version__ = "0.1.0"
