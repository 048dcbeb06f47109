"""cccd-chip: read and verify chip identity documents (CCCD, ICAO 9303 eMRTD)."""

__version__ = "0.1.0"
TOOL_NAME = f"cccd {__version__}"
