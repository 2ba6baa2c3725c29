/**
 * Software renderers and rasterizers (Mesa's llvmpipe/softpipe/lavapipe,
 * SwiftShader, Microsoft's Basic Render Driver): a GPU backend on one works,
 * but runs slower than wasm, so it is chosen only by name.
 */
const SOFTWARE_RENDERER = /llvmpipe|swiftshader|softpipe|lavapipe|software|basic render/i;

export function isSoftwareRenderer(description: string): boolean {
  return SOFTWARE_RENDERER.test(description);
}

/** What a probe's detail adds for a software renderer. */
export function softwareNote(software: boolean): string {
  return software ? ' (a software rasterizer, slower than wasm)' : '';
}
