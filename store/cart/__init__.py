"""The shopping cart, kept in the visitor's session (product ids and quantities only)."""
