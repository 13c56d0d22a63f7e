#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs the Debian packages some tests read when they are missing, then runs
# every test project. Arguments go to `dotnet test` (e.g. --filter).
#   chromium: the web app's browser tests; python3-torch, python3-numpy: Debian's PyTorch loads the export and checks the
#   engine's numbers; libopenblas0-pthread: libtorch's recommended BLAS, without which PyTorch's linear layers in
#   `benchmark --against-pytorch` run on the reference BLAS; fonts-dejavu-core: plot labels (SkiaSharp's dependency-free build reads a font file, not fontconfig);
#   dataset-fashion-mnist: the IDX reader's tests on the real files; postgresql: the PostgreSQL backend's tests start a
#   throwaway server from its binaries on 127.0.0.1 (or use $ALEXNET_TEST_POSTGRES if set).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

missing=()
for package in chromium python3-torch libopenblas0-pthread python3-numpy fonts-dejavu-core dataset-fashion-mnist postgresql; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing the Debian packages the tests use: ${missing[*]}"
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq >/dev/null
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

exec dotnet test AlexNet.Experiments.sln "$@"
