"""Money-laundering risk management: customer rating, self-assessment, AML reviews of new products."""
