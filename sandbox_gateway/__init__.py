"""A sandbox card gateway shipped with the platform so the card channel runs end to end on one
machine: its own hosted payment page, its own test cards, and signed results sent back to the
platform (the browser's return and a server-to-server webhook). Never installed in production."""
