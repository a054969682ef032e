"""A short run of the atheris fuzz targets (the long run is documented in fuzz/*.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

pytest.importorskip("atheris", reason="atheris is not installed (optional: pip install atheris)")


@pytest.mark.parametrize("target", ["fuzz_envelope.py", "fuzz_bundle.py"])
def test_fuzz_target_short_run_finds_no_crash(tmp_path, target):
    done = subprocess.run([sys.executable, str(ROOT / "fuzz" / target), "-runs=3000",
                           f"-artifact_prefix={tmp_path}/"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Done 3000 runs" in done.stderr
