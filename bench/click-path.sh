#!/usr/bin/env bash
# Lists the Tether source files that one steady-state click runs (a signed-in Pay on the Shop's /billing, no new
# cookie): the Shop runs twice under coverlet, with 2 and 4 clicks after the warm-up, and every line whose hit count
# grows between the runs is part of the click. Usage: bench/click-path.sh (from any commit that has the Shop).
set -euo pipefail
cd "$(dirname "$0")"
dotnet build Tether.ClickPath -c Release --nologo --verbosity quiet
for n in 2 4; do
  rm -rf "/tmp/tether-clickpath-$n"
  CLICKS=$n dotnet test Tether.ClickPath -c Release --no-build --nologo --verbosity quiet \
    --collect:"XPlat Code Coverage" --settings click-path.runsettings --results-directory "/tmp/tether-clickpath-$n" >/dev/null
done
python3 click-path.py 2 4 /tmp/tether-clickpath-2/*/coverage.json /tmp/tether-clickpath-4/*/coverage.json
