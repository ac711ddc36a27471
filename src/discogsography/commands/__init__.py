"""Command-line commands that are not part of a service."""
