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

/** What a page server answers for a path: a body with its content type, or undefined for a 404. */
export type PageRoute = (path: string) => Promise<{ type: string; body: string | Uint8Array } | undefined>;

/** Serves `route` on 127.0.0.1 (a secure context, as WebGPU requires) on a free port; a route that throws or answers nothing is a 404. */
export async function servePages(route: PageRoute): Promise<{ server: import('node:http').Server; url: string }> {
  const { createServer } = await import('node:http');
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    try {
      const answer = await route(path);
      if (answer) response.writeHead(200, { 'content-type': answer.type }).end(answer.body);
      else response.writeHead(404).end();
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the page server has no port');
  return { server, url: `http://127.0.0.1:${address.port}/` };
}
