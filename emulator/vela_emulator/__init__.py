"""The Kubernetes API emulator (a server for tests and the embedded cluster).

Public surface: :class:`Emulator` (see its docstring and docs/emulator.md),
with ``emu.faults`` (:class:`Faults`), ``emu.counters`` (:class:`Counters`)
and ``emu.simulation`` (:class:`Simulator`). The pytest fixtures live in
:mod:`vela_emulator.pytest_plugin`.
"""

from vela_emulator.emulator import Emulator
from vela_emulator.faults import Counters, Fault, Faults
from vela_emulator.simulation import Simulator

__all__ = ["Counters", "Emulator", "Fault", "Faults", "Simulator"]
