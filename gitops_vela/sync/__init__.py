"""Plan, staged server-side apply, inventory prune, health."""
