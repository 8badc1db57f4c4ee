"""Subscriptions: what the store keeps of customers' subscriptions."""
