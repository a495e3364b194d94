"""Local services for development, tests, simulate and the demo (not used in production)."""
