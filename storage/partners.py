"""Offers, searches and partner connections (placeholder, filled by the partners issue)."""
