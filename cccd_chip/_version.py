"""The version (one source: the package exports it, pyproject.toml reads it here) and the tool name
recorded in dumps and traces. A leaf module: the layers import it instead of the package facade,
whose (lazy) exports name every layer."""

__version__ = "0.1.0"
TOOL_NAME = f"cccd {__version__}"
