"""The Kubernetes API emulator (a server for tests and the embedded cluster).

Public surface: :class:`Emulator` (see its docstring and docs/emulator.md),
with ``emu.faults`` (:class:`Faults`), ``emu.counters`` (:class:`Counters`)
and ``emu.simulation`` (:class:`Simulator`). The pytest fixtures live in
:mod:`gitops_vela.testing.pytest_plugin`.
"""

from gitops_vela.testing.emulator import Emulator
from gitops_vela.testing.faults import Counters, Fault, Faults
from gitops_vela.testing.simulation import Simulator

__all__ = ["Counters", "Emulator", "Fault", "Faults", "Simulator"]
