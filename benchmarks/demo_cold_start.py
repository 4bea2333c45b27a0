"""``openbch demo`` from a cold start (empty data folder) to the first answered request.

Usage: python benchmarks/demo_cold_start.py [--port 8765]
Runs the installed ``openbch`` twice on a new data folder: cold (migrate, load, index) and warm
(everything already there), and prints the seconds until /api/v1/lmos/mon-00810-6 answers 200.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

OPENBCH = Path(sys.executable).with_name("openbch")


def time_to_first_answer(data_dir: Path, port: int, limit: float = 300.0) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(OPENBCH), "demo", "--data-dir", str(data_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - started < limit:
            if process.poll() is not None:
                raise SystemExit(f"openbch demo exited with {process.returncode}")
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/lmos/mon-00810-6", timeout=2)
                if response.status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"no answer within {limit} s")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="openbch-demo-bench-")) / "data"
    try:
        cold = time_to_first_answer(data_dir, args.port)
        warm = time_to_first_answer(data_dir, args.port)
    finally:
        shutil.rmtree(data_dir.parent, ignore_errors=True)
    print("openbch demo → first answered request (GET /api/v1/lmos/mon-00810-6 = 200)")
    print(f"  cold start (empty data folder): {cold:.1f} s")
    print(f"  warm start (data already loaded): {warm:.1f} s")


if __name__ == "__main__":
    main()
