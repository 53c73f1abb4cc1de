"""The Kubernetes API emulator (a server for tests and the embedded cluster)."""
