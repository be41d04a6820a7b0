"""Private calendar feeds of a volunteer's sign-ups (placeholder, filled by the web issue)."""
