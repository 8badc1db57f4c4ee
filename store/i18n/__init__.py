"""Languages: French by default, English as the second language."""
