"""Pull-request report: what a definition change does to every app."""
