"""Citizen portal pages, one module per area; each view parses input, calls one service and
renders the result."""
