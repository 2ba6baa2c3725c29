import { it } from 'vitest';

// Stands in for the browser projects when there is no Chromium: skipped, with the reason, never passed.
it.skip("shared backend suite in Chromium (webgpu, webgl, wasm, cpu, reference) — skipped: no Chromium found (at CHROMIUM_PATH when set, else /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome); tooling/scripts/setup-system.sh installs Debian's chromium", () => {});
