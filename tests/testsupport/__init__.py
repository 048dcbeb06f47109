"""Helpers shared by test packages (importable because ``tests`` is on pytest's pythonpath)."""
