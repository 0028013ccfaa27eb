"""Real-time customer-funds protection: decisions, rule governance, challenges, holds,
executed payments and account-opening checks."""
