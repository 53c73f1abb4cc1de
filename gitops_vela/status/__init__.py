"""AppStatus -> the status branch in Git."""
