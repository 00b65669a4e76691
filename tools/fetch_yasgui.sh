#!/usr/bin/env bash
# Vendor YASGUI (@zazuko/yasgui, MIT) into api/static/yasgui/ so the query page works offline, with no CDN.
# Usage: tools/fetch_yasgui.sh [version]   (needs npm; run from anywhere, then commit api/static/yasgui/)
set -euo pipefail
version="${1:-4.6.2}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/api/static/yasgui"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
tarball="$(npm pack --silent "@zazuko/yasgui@${version}")"
tar -xzf "$tarball"
rm -rf "$dest"
mkdir -p "$dest"
cp package/build/yasgui.min.js package/build/yasgui.min.css "$dest/"
# The package ships no LICENSE file; its package.json names the licence (MIT) and the authors.
cp package/package.json "$dest/package.json"
printf '@zazuko/yasgui %s\nfrom npm pack @zazuko/yasgui@%s by tools/fetch_yasgui.sh\n' "$version" "$version" > "$dest/VERSION.txt"
ls -l "$dest"
