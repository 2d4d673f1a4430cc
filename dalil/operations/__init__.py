"""Operating an instance: consistent backups of a running instance, and restoring them (docs/operations.md)."""
