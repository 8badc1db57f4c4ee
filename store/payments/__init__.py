"""Payments: the gateway to Stripe, webhooks, fulfilment, Stripe customers and payment records."""
