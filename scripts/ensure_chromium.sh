#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright's own browser download is not reachable
# from city networks or this CI). Install it when missing and we may; otherwise say how.
# The CJK fonts only make screenshots readable (the tests read text from the DOM).
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium for the browser tests (apt-get)…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
    || echo "warning: could not install chromium; the browser tests will fail" >&2
else
  echo "warning: chromium is not installed (sudo apt-get install chromium); the browser tests will fail" >&2
fi
exit 0
