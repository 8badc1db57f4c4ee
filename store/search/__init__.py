"""Full-text search over the published articles (SQLite FTS5 or PostgreSQL full-text search)."""
