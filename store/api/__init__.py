"""The JSON API that outside services call (docs/access-api.yaml)."""
