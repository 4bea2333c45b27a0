# Shared by bin/demo and bin/test: make .venv with the locked dependencies and openbch itself.
# Usage: source bin/_install.sh <lock file>
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCK="$ROOT/requirements/$1"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
  echo "openbch needs Python 3.11 (found: $("$PY" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PY" -m venv "$VENV" 2>/dev/null; then
    # Debian ships venv separately; install it when we may, else say what to do.
    rm -rf "$VENV"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      "$PY" -m venv "$VENV"
    else
      echo "python3 -m venv failed: run 'sudo apt-get install python3-venv' and try again" >&2
      exit 1
    fi
  fi
fi
stamp="$VENV/.installed-$(sha256sum "$LOCK" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
pip_quiet() {
  # this machine's pip config names local mirrors that may not exist; their warnings are noise
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$@" 2>&1 | { grep -v "neither a file nor a directory" || true; }
  return "${PIPESTATUS[0]}"
}
if [ ! -e "$stamp" ]; then
  pip_quiet --require-hashes -r "$LOCK"
  pip_quiet --no-deps -e "$ROOT"
  rm -f "$VENV"/.installed-* && touch "$stamp"
fi
# byte-compile our own code once: with PYTHONDONTWRITEBYTECODE set, every `openbch` process (the
# tests start hundreds) would otherwise compile it again (a quarter of a second each)
"$VENV/bin/python" -m compileall -q -j 0 "$ROOT/src" >/dev/null || true
