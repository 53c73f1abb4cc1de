"""Suite-wide: the emulator's fixtures (``emulator``, ``kube``, ``kubectl``).

The emulator is a distribution of its own and registers no pytest plugin on
install, so the suite asks for its fixtures here.
"""

pytest_plugins = ["vela_emulator.pytest_plugin"]
