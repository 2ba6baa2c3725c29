/** Software rasterizers: they work, but run slower than the wasm backend. */
const SOFTWARE = /llvmpipe|swiftshader|softpipe|lavapipe/i;

export interface AdapterLike {
  readonly info?: { vendor?: string; architecture?: string; description?: string; device?: string };
  readonly isFallbackAdapter?: boolean;
}

/** A readable name for an adapter (Dawn's and browsers' `GPUAdapterInfo`), and whether it is a software one. */
export function describeAdapter(adapter: AdapterLike): { description: string; software: boolean } {
  const info = adapter.info ?? {};
  const description = [info.vendor, info.architecture, info.description || info.device].filter(Boolean).join(' ') || 'unnamed adapter';
  return { description, software: SOFTWARE.test(description) || adapter.isFallbackAdapter === true };
}

export function softwareNote(software: boolean): string {
  return software ? ' (a software rasterizer, slower than wasm)' : '';
}
