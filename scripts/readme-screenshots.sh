#!/usr/bin/env bash
# Copies the screenshots the README shows from the last browser test run
# (test-results/screenshots, written by the e2e specs) into public/screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
for shot in graph-1440x900 review rolled-back change-detail outside-change time-travel hosts kiosk; do
  cp "test-results/screenshots/$shot.png" public/screenshots/
done
echo "copied: $(ls public/screenshots | tr '\n' ' ')"
