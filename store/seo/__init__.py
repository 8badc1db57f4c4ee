"""Being found and shared: feed, sitemap, robots.txt, canonical URLs, social and JSON-LD tags."""
