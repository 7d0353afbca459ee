"""WARC writing and reading, the SQLite store, and publishing with Datasette."""

__version__ = "0.1.0"
