#!/usr/bin/env bash
# Create .venv with Python 3.10 and install the project (one resolver run), unless
# it is already installed from the same pyproject.toml. Sourced by start.sh and test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

find_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  for candidate in python3.10 "$(command -v pyenv >/dev/null 2>&1 && pyenv root)/versions/3.10"*/bin/python \
                   /root/.pyenv/versions/3.10*/bin/python /usr/bin/python3.10; do
    if [ -x "$(command -v "$candidate" 2>/dev/null || echo "$candidate")" ] 2>/dev/null \
       && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      echo "$candidate"; return
    fi
  done
  echo "Schoolbrug needs Python 3.10 (Rasa 3.6 supports 3.8-3.10). Install it (e.g. pyenv install 3.10) or set PYTHON." >&2
  exit 1
}

# System packages for reading photographed letters (issue 11): Tesseract with its Dutch data,
# poppler-utils for PDF letters, DejaVu fonts for the generated test letters. Installed when
# missing and possible (root with apt-get, as on CI); never fails the set-up: without them
# the bot tells parents kindly that it cannot read photos, and the OCR tests are skipped.
ensure_letter_reader() {
  local missing=()
  command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
  { tesseract --list-langs 2>/dev/null | grep -x nld >/dev/null; } || missing+=(tesseract-ocr-nld)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} (to read photographed letters)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; } \
      || echo "Could not install ${missing[*]}: the bot will say that it cannot read photos." >&2
  else
    echo "Note: ${missing[*]} not installed (needs root and apt-get): the bot cannot read photographed letters." >&2
  fi
  return 0
}
ensure_letter_reader || true

STAMP="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
  if [ ! -x "$VENV/bin/python" ]; then
    "$(find_python)" -m venv "$VENV"
  fi
  echo "Installing Schoolbrug and its pinned dependencies (first time: several minutes)..." >&2
  "$VENV/bin/python" -m pip install --quiet --upgrade "pip==24.0" >&2
  # One resolver run for everything: a lone `pip install pytest` would pull a newer
  # `packaging`, which breaks `import rasa`.
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT[test]" >&2
  rm -f "$VENV"/.installed-*
  touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
