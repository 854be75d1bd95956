#!/usr/bin/env bash
# Runs every test assembly (built for net10.0) rolled forward onto the .NET 11 shared frameworks, as an app that
# references a net10.0 Tether runs once .NET 11 is installed. The .NET 11 runtime comes from NuGet's runtime packs
# (Microsoft.NETCore.App.Runtime.linux-x64 and Microsoft.AspNetCore.App.Runtime.linux-x64 11.0.0), laid out as shared
# frameworks in a copy of the SDK folder whose ASP.NET Core 10 framework is dropped, so nothing can run on 10 by
# accident. The tests check Environment.Version themselves (TETHER_EXPECT_RUNTIME_MAJOR). Run after ./test.sh, which
# builds the assemblies; test.sh runs this at its end.
set -euo pipefail
cd "$(dirname "$0")"

version=11.0.0
sdk_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
root=artifacts/dotnet-$version

dotnet restore eng/net11/Net11Runtime.csproj --verbosity quiet
packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
if [ ! -x "$root/dotnet" ]; then
  rm -rf "$root"
  mkdir -p "$root"
  cp -a "$sdk_root"/. "$root"/
  rm -rf "$root/shared/Microsoft.AspNetCore.App"
  for framework in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
    pack="$packages/$(echo "$framework" | tr 'A-Z' 'a-z').runtime.linux-x64/$version/runtimes/linux-x64"
    target="$root/shared/$framework/$version"
    mkdir -p "$target"
    cp -a "$pack/lib/net11.0"/. "$target"/
    [ -d "$pack/native" ] && cp -a "$pack/native"/. "$target"/
  done
  # The shared framework names the runtime it runs on; the runtime pack's own file says so for ASP.NET Core.
  cat > "$root/shared/Microsoft.AspNetCore.App/$version/Microsoft.AspNetCore.App.runtimeconfig.json" <<JSON
{
  "runtimeOptions": {
    "tfm": "net11.0",
    "rollForward": "LatestPatch",
    "framework": { "name": "Microsoft.NETCore.App", "version": "$version" }
  }
}
JSON
fi

export DOTNET_ROLL_FORWARD=Major DOTNET_ROOT="$PWD/$root" TETHER_EXPECT_RUNTIME_MAJOR=11
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
"$root/dotnet" test Tether.slnx -c Release --no-build "$@" 2>&1 | tee "$log" || status=$?
awk '/^(Passed|Failed)!/ {
  for (i = 1; i <= NF; i++) {
    if ($i == "Failed:") f += $(i + 1); if ($i == "Passed:") p += $(i + 1); if ($i == "Skipped:") s += $(i + 1)
  }
} END { printf "Tests on .NET '"$version"': %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
