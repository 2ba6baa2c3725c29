import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type BackendDescriptor, activateTfjsBackend, softwareNote } from '@clicktune/backends';
import { type AdapterLike, describeAdapter } from './adapter';

interface DawnGpu {
  requestAdapter(options?: Record<string, unknown>): Promise<DawnAdapter | null>;
  readonly wgslLanguageFeatures?: unknown;
}
interface DawnAdapter extends AdapterLike {
  readonly features: Iterable<string>;
}

/** Which way to the GPU: native APIs first, then OpenGL ES in WebGPU's compatibility mode. */
const ROUTES: ReadonlyArray<{ name: string; flags: string[]; adapterOptions: Record<string, unknown>; missing?: () => string | null }> = [
  { name: 'native (Vulkan / D3D12 / Metal)', flags: [], adapterOptions: {}, missing: missingVulkanLoader },
  { name: 'OpenGL ES (compatibility mode)', flags: ['backend=opengles'], adapterOptions: { featureLevel: 'compatibility' } },
];

/**
 * On Linux the native route is Vulkan, and Dawn, failing to open its loader,
 * prints a native warning with a C++ source location that reads as a crash:
 * look for the loader first and skip the route, with the reason, when it is absent.
 */
function missingVulkanLoader(): string | null {
  if (process.platform !== 'linux') return null;
  const folders = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/lib/x86_64-linux-gnu',
    '/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return folders.some((folder) => existsSync(join(folder, 'libvulkan.so.1'))) ? null : 'no Vulkan loader (libvulkan.so.1)';
}

interface Chosen {
  gpu: DawnGpu;
  route: (typeof ROUTES)[number];
  description: string;
  software: boolean;
}

let chosen: Promise<Chosen | { reason: string }> | undefined;

/** Finds an adapter once per process; returns it, or why there is none. */
function chooseAdapter(): Promise<Chosen | { reason: string }> {
  chosen ??= (async () => {
    // Mesa's EGL needs a platform when there is no display.
    process.env.EGL_PLATFORM ??= 'surfaceless';
    let dawn: { create(flags: string[]): DawnGpu; globals: Record<string, unknown> };
    try {
      dawn = (await import('webgpu')) as unknown as typeof dawn;
    } catch (error) {
      return { reason: `the webgpu (Dawn) package does not load: ${(error as Error).message.split('\n')[0]}` };
    }
    Object.assign(globalThis, dawn.globals);
    const failures: string[] = [];
    for (const route of ROUTES) {
      const missing = route.missing?.();
      if (missing) {
        failures.push(`${route.name}: ${missing}`);
        continue;
      }
      try {
        const gpu = dawn.create(route.flags);
        const adapter = await gpu.requestAdapter(route.adapterOptions);
        if (!adapter) {
          failures.push(`${route.name}: no adapter`);
          continue;
        }
        return { gpu, route, ...describeAdapter(adapter) };
      } catch (error) {
        failures.push(`${route.name}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    return { reason: `no WebGPU adapter (${failures.join('; ')}); on Linux without a GPU install Mesa's EGL/GLES (libegl-mesa0, libgles2)` };
  })();
  return chosen;
}

/**
 * WebGPU in Node: Dawn's bindings (npm `webgpu`, prebuilt) under
 * tfjs-backend-webgpu. The GPU globals and `navigator.gpu` are set before the
 * tfjs backend module loads; adapter requests go through the chosen route
 * (with its feature level), and the probe says which adapter was chosen.
 */
export function webgpuBackend(): BackendDescriptor {
  return {
    name: 'webgpu',
    family: 'webgpu',
    runtimes: ['node'],
    priority: 50,
    // By name only: `auto` does not even probe it (Dawn prints native warnings while it looks for
    // adapters), and without a GPU its adapter is a software rasterizer slower than wasm.
    autoSelect: false,
    probe: async () => {
      const result = await chooseAdapter();
      if ('reason' in result) return { available: false, reason: result.reason };
      const detail = `${result.description} via ${result.route.name}`;
      return { available: true, detail: `${detail}${softwareNote(result.software)}; by name: --backend webgpu`, autoSelect: false };
    },
    activate: async () => {
      const result = await chooseAdapter();
      if ('reason' in result) throw new Error(result.reason);
      const gpu = {
        requestAdapter: (options: Record<string, unknown> = {}) => result.gpu.requestAdapter({ ...options, ...result.route.adapterOptions }),
        getPreferredCanvasFormat: () => 'rgba8unorm',
        wgslLanguageFeatures: result.gpu.wgslLanguageFeatures,
      };
      const current = (globalThis as { navigator?: object }).navigator ?? {};
      Object.defineProperty(globalThis, 'navigator', { value: { ...current, gpu }, configurable: true, writable: true });
      await import('@tensorflow/tfjs-backend-webgpu');
      const detail = await activateTfjsBackend('webgpu', () => `tfjs-backend-webgpu 4.22 on ${result.description} via ${result.route.name}`);
      return { name: 'webgpu', family: 'webgpu', tfjsBackend: 'webgpu', detail };
    },
  };
}
