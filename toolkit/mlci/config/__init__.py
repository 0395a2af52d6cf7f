"""mlci.yaml: its schema (frozen dataclasses with defaults) and its validating loader."""

from mlci.config.loader import CONFIG_FILE, config_to_dict, load_config, parse_config
from mlci.config.schema import MlciConfig

__all__ = ["CONFIG_FILE", "MlciConfig", "config_to_dict", "load_config", "parse_config"]
