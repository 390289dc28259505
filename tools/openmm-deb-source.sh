# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
# Sourced by the tools here: makes Debian's openmm source package available to apt-get source.
enable_deb_src() {
  if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    local sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo)
    "${sudo[@]}" tee /etc/apt/sources.list.d/openmm-ligand-deb-src.sources >/dev/null <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    "${sudo[@]}" apt-get update -qq
  fi
}
