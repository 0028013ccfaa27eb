"""Rules and typologies as registered, documented functions; scoring."""
