"""Checkout: a process with no tables of its own. Cart → order → Stripe Checkout → paid."""
