"""serverless-study: learn AWS serverless architecture from the command line."""

__version__ = "0.1.0"
