#!/bin/sh
# setup.sh - the README's first Quick start command: installs the Debian
# packages kubesim needs, builds it, and runs the bundled default scenario
# (scenarios/ecommerce.yaml) into results.db.
#   ./setup.sh            install, build, run the default scenario
#   ./setup.sh --deps     install the packages only
#   ./setup.sh --build    install and build, run nothing
set -eu
cd "$(dirname "$0")"

PKGS="build-essential autoconf automake pkg-config libgsl-dev libsqlite3-dev \
libyaml-dev libcsv-dev sqlite3 python3-simpy gnuplot-nox chromium slurm-wlm munge"

need=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
	echo "setup: installing$need"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need
fi
[ "${1:-}" = "--deps" ] && exit 0

[ -x configure ] || ./bootstrap
[ -f Makefile ] || ./configure
make -j"$(nproc 2>/dev/null || echo 2)"
[ "${1:-}" = "--build" ] && exit 0

./kubesim run scenarios/ecommerce.yaml --out results.db
