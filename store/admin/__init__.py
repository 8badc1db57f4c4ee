"""The back office at /admin: products, articles, comments, orders, subscriptions."""
