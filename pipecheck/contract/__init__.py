"""The contract format: its model (single source of truth) and its YAML loader."""
