"""`paperlab serve`: the web app. app.py maps pages and forms onto the core; safety.py holds what it
promises as a server; reader.py renders PDF pages and finds a cited passage on them; charts.py draws
the replication charts; render.py turns Markdown into sanitised HTML; server.py runs uvicorn."""
