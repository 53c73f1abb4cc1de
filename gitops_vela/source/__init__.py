"""Git: ls-remote, fetch, snapshots of a repository at a commit."""
