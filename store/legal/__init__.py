"""The legal pages (mentions légales, CGV, privacy policy) and the publisher's identity."""
