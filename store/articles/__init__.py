"""Editorial content: categories, articles and reader comments."""
