"""mlci: DevOps and MLOps in one CI loop on GitHub."""

__version__ = "0.1.0"
