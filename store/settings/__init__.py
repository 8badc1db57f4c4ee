"""Settings the admin changes from the back office (stored in the database)."""
