"""The bot's web side: public needs pages, calendar feeds, health, metrics, webhook."""
