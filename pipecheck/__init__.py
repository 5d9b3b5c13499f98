"""pipecheck: data contracts for CSV and Parquet files."""

__version__ = "0.1.0"
