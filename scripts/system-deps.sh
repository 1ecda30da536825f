#!/usr/bin/env bash
# Installs the Debian libraries Qt needs (offscreen and on screen) and the tools the
# tests use (poppler, CUPS with CUPS-PDF), when they are missing and we may install them.
# Safe to run again; quick when nothing is missing (make test runs it every time).
set -euo pipefail
need=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib libEGL.so.1        || need+=(libegl1)
have_lib libGL.so.1         || need+=(libgl1)
have_lib libxkbcommon.so.0  || need+=(libxkbcommon0)
have_lib libxkbcommon-x11.so.0 || need+=(libxkbcommon-x11-0)
have_lib libxcb-cursor.so.0 || need+=(libxcb-cursor0)
# Qt's xcb (on-screen) plugin: `make run` on a desktop, screenshots under Xvfb.
have_lib libxcb-icccm.so.4  || need+=(libxcb-icccm4)
have_lib libxcb-image.so.0  || need+=(libxcb-image0)
have_lib libxcb-keysyms.so.1 || need+=(libxcb-keysyms1)
have_lib libxcb-render-util.so.0 || need+=(libxcb-render-util0)
have_lib libxcb-shape.so.0  || need+=(libxcb-shape0)
have_lib libxcb-randr.so.0  || need+=(libxcb-randr0)
have_lib libfontconfig.so.1 || need+=(libfontconfig1)
have_lib libdbus-1.so.3     || need+=(libdbus-1-3)
command -v objdump >/dev/null || need+=(binutils)
# make dist: the .deb (dpkg-deb), Qt's ICU data trimmed (icupkg, gcc), the menu entry checked.
command -v dpkg-deb >/dev/null || need+=(dpkg)
command -v icupkg >/dev/null || [ -x /usr/sbin/icupkg ] || need+=(icu-devtools)
command -v gcc >/dev/null || need+=(gcc)
command -v desktop-file-validate >/dev/null || need+=(desktop-file-utils)
command -v pdftotext >/dev/null || need+=(poppler-utils)
# Printing tests: a real CUPS queue with the CUPS-PDF backend (tests/cups_queue.py starts
# cupsd when it is not running and adds the queue).
command -v lp >/dev/null        || need+=(cups-client)
command -v cupsd >/dev/null || [ -x /usr/sbin/cupsd ] || need+=(cups-daemon)
[ -e /usr/lib/cups/backend/cups-pdf ] || need+=(printer-driver-cups-pdf)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Missing system packages: ${need[*]} (install them with your package manager)" >&2
  exit 0
fi
echo "Installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
