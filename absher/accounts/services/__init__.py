"""Writes of the accounts domain, one module per flow. Interfaces import the functions from here."""
