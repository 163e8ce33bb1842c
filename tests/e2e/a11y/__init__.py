"""Shared pieces of the accessibility, screenshot and no-JavaScript browser tests: the demo data
they visit (`world`), the list of main pages (`pages`), signed-in browser contexts and the axe-core
check (`axe`)."""
