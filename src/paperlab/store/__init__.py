"""The storage layer: the only code that writes SQL, over the library's SQLite file.

schema (connection, migrations, transactions, meta), items (the reading log's rows), chunks and
terms (what search reads), replications (status, runs, claims). Callers pass `Library.db`.
"""
