"""Plain data flowing through the pipeline. Imports nothing else of the package."""
