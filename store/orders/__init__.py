"""Orders: what a customer bought, with lines that snapshot title and price."""
