#!/bin/sh
# Installs the pinned npm packages (package-lock.json) that NodeAgentConformanceTest runs:
# LiveKit's official @livekit/agents worker and livekit-server-sdk. node_modules is gitignored.
# Same as, from the repository root: npm ci --prefix devserver/src/test/node --no-audit --no-fund
set -eu
dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
exec npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
