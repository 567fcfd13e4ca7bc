"""Database access: engine construction and forward-only SQL migrations."""
