"""Model releases: GTO-compatible version and stage tags, the model card, GitHub Releases."""
