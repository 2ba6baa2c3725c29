#!/usr/bin/env bash
# System packages the test suite needs (none yet beyond Node 20 and npm).
# Backends that need Debian packages add them here, so that CI and a fresh
# machine install them the same way.
set -euo pipefail
exit 0
