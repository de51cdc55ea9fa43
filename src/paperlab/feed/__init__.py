"""The personal feed: new arXiv papers pulled as candidates and ranked from what the user reads,
rates and tags (`paperlab feed`)."""
