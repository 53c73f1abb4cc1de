"""The emulator is a distribution of its own: the product does not load it unless asked."""

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_cli_and_daemon_start_without_loading_the_emulator() -> None:
    loaded = _modules_after(
        "import gitops_vela.cli, gitops_vela.daemon.main\n"
        "from gitops_vela.cli import build_parser; build_parser()"
    )
    assert not {m for m in loaded if m.startswith("vela_emulator")}


def test_a_missing_emulator_is_a_clear_error() -> None:
    code = (
        "import sys; sys.modules['vela_emulator'] = None\n"
        "from gitops_vela.cli import main\n"
        "raise SystemExit(main(['emulator', '--port', '0']))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert "gitops-vela-emulator" in result.stderr
    assert "pip install ./emulator" in result.stderr
