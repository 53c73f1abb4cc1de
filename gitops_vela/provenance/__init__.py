"""Field provenance: where every field of every rendered object comes from (``why``).

Off the hot path: only the CLI (``why``, ``render --explain``, ``diff --explain``)
and the review import it; the daemon never does.
"""
