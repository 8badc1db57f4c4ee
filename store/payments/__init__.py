"""Payments: the one module that talks to Stripe, webhooks, subscriptions and payment records."""
