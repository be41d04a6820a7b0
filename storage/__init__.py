"""Persistence: SQLModel tables, engine set-up, repositories and migrations."""
