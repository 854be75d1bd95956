#!/usr/bin/env bash
# Installs what the tests need when it is missing (Debian's chromium for the browser tests, redis-server for the
# scale-out tests, which start their own server on a free port), checks formatting and packaging, then runs every test.
# ./test-net11.sh runs the same assemblies again, rolled forward onto .NET 11.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${need[*]} with apt-get..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

fail() {
  echo "test.sh: FAILED: $*" >&2
  exit 1
}

dotnet restore Tether.slnx --verbosity quiet || fail "dotnet restore Tether.slnx"

# Whitespace, code style and analyzers against .editorconfig (the public API files are checked by the build below).
echo "Checking formatting (dotnet format --verify-no-changes)..."
dotnet format Tether.slnx --verify-no-changes --no-restore --exclude-diagnostics RS0016 RS0017 \
  || fail "dotnet format found code that does not follow .editorconfig (listed above); run 'dotnet format Tether.slnx' and commit the result"

# The shipping packages, with their symbols; the build also checks the public API against PublicAPI.*.txt.
packages=artifacts/packages
rm -rf "$packages"
for project in src/Tether/Tether.csproj src/Tether.Redis/Tether.Redis.csproj src/Tether.SignalR.Client/Tether.SignalR.Client.csproj; do
  echo "Packing $project..."
  dotnet pack "$project" -c Release --no-restore --nologo --verbosity quiet -o "$packages" \
    || fail "dotnet pack $project (RS0016/RS0017: the public API changed; add new members to PublicAPI.Unshipped.txt, see CONTRIBUTING.md)"
done
# Each package carries its README, the license, repository info (url and commit) and a symbols package with its PDB.
python3 - "$packages" Tether Tether.Redis Tether.SignalR.Client <<'PY' || fail "the packages in $packages are incomplete (see above)"
import glob, re, sys, zipfile
folder, ids, missing = sys.argv[1], sys.argv[2:], []
for id in ids:
    nupkg = glob.glob(f"{folder}/{id}.[0-9]*.nupkg")
    snupkg = glob.glob(f"{folder}/{id}.[0-9]*.snupkg")
    if len(nupkg) != 1 or len(snupkg) != 1:
        missing.append(f"{id}: one .nupkg and one .snupkg"); continue
    with zipfile.ZipFile(nupkg[0]) as z:
        names = z.namelist()
        nuspec = z.read(f"{id}.nuspec").decode("utf-8-sig")
    for name in ("README.md", "LICENSE", f"lib/net10.0/{id}.dll"):
        if name not in names: missing.append(f"{id}: {name} in the .nupkg")
    for pattern in (r"<readme>README.md</readme>", r'<license type="expression">MIT</license>',
                    r'<repository type="git" url="https://github.com/[^"]+"[^>]* commit="[0-9a-f]{40}"'):
        if not re.search(pattern, nuspec): missing.append(f"{id}: {pattern} in the nuspec")
    with zipfile.ZipFile(snupkg[0]) as z:
        if f"lib/net10.0/{id}.pdb" not in z.namelist(): missing.append(f"{id}: lib/net10.0/{id}.pdb in the .snupkg")
for m in missing: print("missing:", m, file=sys.stderr)
sys.exit(1 if missing else 0)
PY

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Tether.slnx -c Release 2>&1 | tee "$log" || status=$?

# One closing line with the totals of every test assembly.
awk '/^(Passed|Failed)!/ {
  for (i = 1; i <= NF; i++) {
    if ($i == "Failed:") f += $(i + 1); if ($i == "Passed:") p += $(i + 1); if ($i == "Skipped:") s += $(i + 1)
  }
} END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
