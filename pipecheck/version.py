"""The package version, in a module of its own so the library code never imports the public API in __init__."""

__version__ = "0.1.0"
