"""One module per ``cccd`` command; ``host_cli.main`` registers them on the ``cccd`` group."""
