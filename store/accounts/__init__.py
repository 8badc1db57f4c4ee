"""Customer accounts: registration, login, and "Mon compte"."""
