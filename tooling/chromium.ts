import { existsSync } from 'node:fs';

/** Where Chromium is: CHROMIUM_PATH when set (and only there), else Debian's and other usual places; undefined when none. */
export function findChromium(environment: Record<string, string | undefined> = process.env): string | undefined {
  const candidates = environment.CHROMIUM_PATH ? [environment.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((path) => existsSync(path));
}

/** Flags that start headless Chromium on a machine without a display or GPU (WebGL and WebGPU then run on SwiftShader). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];
