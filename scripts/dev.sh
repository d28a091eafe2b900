#!/usr/bin/env bash
# voicemock set-up and entry points for a Debian/Ubuntu machine.
#
#   scripts/dev.sh demo   install what is missing, then run a replay round on audio_fixtures/
#   scripts/dev.sh test   install what is missing (test extras too), then run the test suite
#   scripts/dev.sh bench  install what is missing, then run the benchmarks in bench/
#   scripts/dev.sh setup  install what is missing for the tests, and stop there
#
# System packages are installed with apt-get when running as root or with
# password-less sudo; otherwise the script names what is missing and stops.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VOICEMOCK_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'voicemock setup: %s\n' "$*" >&2; exit 1; }

SYSTEM_PACKAGES=(espeak-ng libportaudio2)
TEST_PACKAGES=(tmux pulseaudio pulseaudio-utils libasound2-plugins alsa-utils)

missing_packages() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || printf '%s\n' "$pkg"
    done
}

ensure_system_packages() {
    command -v dpkg-query >/dev/null || {
        say "not a Debian/Ubuntu system: make sure these are installed: $*"
        return 0
    }
    local missing
    missing="$(missing_packages "$@" | tr '\n' ' ')"
    [ -z "${missing// /}" ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo="sudo"
        else
            die "missing system packages: $missing- install them with: sudo apt-get install -y $missing"
        fi
    fi
    say "installing system packages: $missing"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

ensure_venv() {
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
        || die "Python 3.11 or newer is needed ($PY is $("$PY" --version 2>&1 || echo missing))"
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating virtualenv in $VENV"
        if ! "$PY" -m venv "$VENV" 2>/dev/null; then
            ensure_system_packages python3-venv
            "$PY" -m venv "$VENV"
        fi
    fi
}

install_package() {
    local extras="$1"
    say "installing voicemock${extras} into $VENV"
    # A regular (non-editable) install: the same wheel users get, prompts/ included.
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q "$ROOT$extras" \
        2> >(grep -v '^WARNING: Location' >&2)
}

case "${1:-}" in
    demo)
        shift
        ensure_system_packages "${SYSTEM_PACKAGES[@]}"
        ensure_venv
        install_package ""
        say "replaying a technical round from audio_fixtures/"
        exec "$VENV/bin/voicemock" practice --round technical \
            --question tech-exactly-once-payments \
            --replay audio_fixtures/eo-first.flac \
            --replay audio_fixtures/eo-followup-retries.flac \
            --replay audio_fixtures/eo-followup-latency.flac \
            --headless "$@"
        ;;
    test)
        shift
        ensure_system_packages "${SYSTEM_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
        ensure_venv
        install_package "[test]"
        say "running the tests"
        cd "$ROOT"
        set +e
        "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
        status=$?
        set -e
        # pytest exits 5 when a filter selects nothing: that is not a failure of the code.
        [ "$status" -eq 5 ] && status=0
        exit "$status"
        ;;
    setup)
        ensure_system_packages "${SYSTEM_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
        ensure_venv
        install_package "[test]"
        "$VENV/bin/python" -m pip install --disable-pip-version-check -q ruff mypy \
            2> >(grep -v '^WARNING: Location' >&2)
        ;;
    bench)
        shift
        ensure_system_packages "${SYSTEM_PACKAGES[@]}"
        ensure_venv
        install_package "[test]"
        for script in bench/bench_*.py; do
            say "$script"
            "$VENV/bin/python" "$script" "$@"
        done
        ;;
    *)
        sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
