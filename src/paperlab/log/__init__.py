"""The reading log: items (add, status, rating, tags), the user's notes files, exports (Markdown,
BibTeX, JSON) and the weekly recap with its study streak."""
