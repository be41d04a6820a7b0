"""The edge: bootstrap, configuration, CLI and the messenger transports."""
