"""What a subscription gives: reading the articles reserved for subscribers."""
