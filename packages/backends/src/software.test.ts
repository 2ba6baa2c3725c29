import { describe, expect, it } from 'vitest';
import { isSoftwareRenderer, softwareNote } from './index';

describe('software renderers', () => {
  it('recognises the renderers seen without a GPU, and not hardware', () => {
    expect(isSoftwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)')).toBe(true);
    expect(isSoftwareRenderer('OpenGL version OpenGL ES 3.2 Mesa 22.3.6 llvmpipe')).toBe(true);
    expect(isSoftwareRenderer('google swiftshader')).toBe(true);
    expect(isSoftwareRenderer('Microsoft Basic Render Driver')).toBe(true);
    expect(isSoftwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 4090 Direct3D11 vs_5_0 ps_5_0)')).toBe(false);
    expect(softwareNote(true)).toBe(' (a software rasterizer, slower than wasm)');
    expect(softwareNote(false)).toBe('');
  });
});
