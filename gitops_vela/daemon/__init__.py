"""Scheduler, reconcile loop, HTTP (probes, metrics, hooks), leases."""
