"""Request and response models of the HTTP API (pydantic; camelCase on the wire)."""
