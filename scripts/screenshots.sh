#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png: the public register's pages with the demo's data, as
# headless Chromium draws them, with the in-browser checks run; then the local app's pages of
# each role (app-*.png), as its browser tests draw them. Needs Chromium, chromedriver and, for
# the Chinese pages, fonts-wqy-microhei: `apt-get install chromium chromium-driver
# fonts-wqy-microhei`.
#
#   scripts/screenshots.sh [CARGO_BUILD_ARGS...]     e.g. scripts/screenshots.sh --features evm
#
# It builds `probity` in release, runs `probity demo --keep-serving` on a temporary folder,
# takes each page, then stops the demo with Ctrl-C (SIGINT). The demo's keys and data are fresh
# each run, so commitments, keys and times differ from one run to the next.
set -euo pipefail
cd "$(dirname "$0")/.."

out=docs/screenshots
browser=${CHROMIUM:-chromium}
command -v "$browser" >/dev/null || { echo "chromium is missing (set CHROMIUM=PATH)" >&2; exit 1; }
cargo build --release --locked --bin probity "$@"
probity="${CARGO_TARGET_DIR:-target}/release/probity"

work=$(mktemp -d)
demo=
cleanup() {
    if [ -n "$demo" ] && kill -0 "$demo" 2>/dev/null; then kill -INT "$demo"; wait "$demo" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$probity" --json demo --keep-serving --dir "$work/demo" >"$work/report.json" 2>"$work/stderr" &
demo=$!
url=
for _ in $(seq 1 600); do
    url=$(sed -n 's/^The public register: //p' "$work/stderr")
    [ -n "$url" ] && break
    if ! kill -0 "$demo" 2>/dev/null; then cat "$work/stderr" >&2; exit 1; fi
    sleep 1
done
[ -n "$url" ] || { echo "the demo did not print the register's address" >&2; exit 1; }
url=${url%/}

# shot NAME PATH [WIDTH,HEIGHT]: the page at PATH, after its scripts ran (virtual time).
shot() {
    "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --no-first-run --user-data-dir="$work/profile-$1" \
        --hide-scrollbars --window-size="${3:-1280,900}" --virtual-time-budget=5000 \
        --screenshot="$out/$1.png" "$url$2" 2>/dev/null
    echo "$out/$1.png: $2"
}

mkdir -p "$out"
shot officials-zh "/?lang=zh-CN"
shot officials-en "/?lang=en"
shot official-en "/officials/GOV-0001?lang=en" 1280,1500
shot official-zh "/officials/GOV-0002?lang=zh-CN" 1280,1500
shot stats-en "/stats?lang=en" 1280,1800
shot log-en "/log?lang=en" 1280,1100
shot entries-en "/log/entries?lang=en" 1280,1500
shot entry-en "/log/entries/3?lang=en" 1280,1500
shot about-en "/about?lang=en" 1280,1500

# The local app: each role's main pages, taken by its browser tests (real apps in real
# Chromium against a real service), copied under the names the README shows.
cargo test --locked --test app_browser "$@"
shots="${CARGO_TARGET_DIR:-target}/tmp/app_browser-screenshots"
for pair in official-editor-en official-filed-zh supervisor-dashboard-en supervisor-tips-en \
    home-en:whistleblower-home-en tip-sent-en:whistleblower-tip-sent-en; do
    from=${pair%%:*}
    to=${pair#*:}
    cp "$shots/$from.png" "$out/app-$to.png"
    echo "$out/app-$to.png: the app's $from"
done
