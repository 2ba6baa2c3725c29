import { type BackendDescriptor, activateTfjsBackend, isSoftwareRenderer, softwareNote } from '@clicktune/backends';

interface WebglContext {
  getExtension(name: string): unknown;
  getParameter(parameter: number): unknown;
  readonly RENDERER: number;
}

/** The page's WebGL 2 renderer, or why there is none. */
export function describeWebglRenderer(): { renderer: string; software: boolean } | { reason: string } {
  const documentLike = (globalThis as { document?: { createElement(tag: 'canvas'): { getContext(kind: string): WebglContext | null } } }).document;
  const offscreen = (globalThis as { OffscreenCanvas?: new (width: number, height: number) => { getContext(kind: string): WebglContext | null } }).OffscreenCanvas;
  const canvas = offscreen ? new offscreen(1, 1) : documentLike?.createElement('canvas');
  if (!canvas) return { reason: 'this runtime has no canvas (neither document nor OffscreenCanvas)' };
  const context = canvas.getContext('webgl2');
  if (!context) return { reason: 'the browser refused a WebGL 2 context (GPU blocklisted or disabled)' };
  const debugInfo = context.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
  const renderer = String(context.getParameter(debugInfo ? debugInfo.UNMASKED_RENDERER_WEBGL : context.RENDERER));
  (context.getExtension('WEBGL_lose_context') as { loseContext(): void } | null)?.loseContext();
  return { renderer, software: isSoftwareRenderer(renderer) };
}

/**
 * tfjs-backend-webgl in a browser. On a software renderer (SwiftShader on a
 * machine without a GPU) it still works, but slower than wasm, so `auto`
 * leaves it to be chosen by name.
 */
export function webglBackend(): BackendDescriptor {
  return {
    name: 'webgl',
    family: 'webgl',
    runtimes: ['browser'],
    priority: 40,
    probe: async () => {
      const result = describeWebglRenderer();
      if ('reason' in result) return { available: false, reason: result.reason };
      return result.software
        ? { available: true, detail: `WebGL 2 on ${result.renderer}${softwareNote(true)}; by name: backend 'webgl'`, autoSelect: false }
        : { available: true, detail: `WebGL 2 on ${result.renderer}` };
    },
    activate: async () => {
      const result = describeWebglRenderer();
      if ('reason' in result) throw new Error(result.reason);
      await import('@tensorflow/tfjs-backend-webgl');
      const detail = await activateTfjsBackend('webgl', () => `tfjs-backend-webgl 4.22 on ${result.renderer}`);
      return { name: 'webgl', family: 'webgl', tfjsBackend: 'webgl', detail };
    },
  };
}
