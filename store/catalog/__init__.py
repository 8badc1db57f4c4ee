"""Catalogue: the products the store sells."""
