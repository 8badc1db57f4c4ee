"""Files the store sells as downloads."""
