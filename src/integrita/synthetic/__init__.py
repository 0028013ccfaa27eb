"""The synthetic bank: customers, accounts and transactions with injected laundering typologies."""
