"""CLI commands: every module here that defines ``command`` (a click command) is registered."""
