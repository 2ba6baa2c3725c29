import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type BackendDescriptor, activateTfjsBackend } from '@clicktune/backends';
import { NODE_BACKENDS } from './metadata';

const require = createRequire(import.meta.url);

/**
 * Loads a tfjs-node flavour. On machines that cannot reach the host from
 * which its install script downloads libtensorflow (or when install scripts
 * are not run), the package is present but its native binding is not: the
 * error then names `tfjs_binding.node`, and that is the reason reported.
 */
function loadTfjsNode(name: string, offlineBuild: string): { ok: true } | { ok: false; reason: string } {
  try {
    require.resolve(name);
  } catch {
    return {
      ok: false,
      reason: `${name} is not installed${offlineBuild}`,
    };
  }
  try {
    // TensorFlow's C++ logging would greet every run with CPU-feature notes.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
    require(name);
    return { ok: true };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? String(error);
    return {
      ok: false,
      reason: `${name} is installed but its native addon does not load (${message}); its install script downloads libtensorflow, which needs network access to that host${offlineBuild}`,
    };
  }
}

/** The command this package ships for machines where tfjs-node's own download cannot run (see bin/). */
const OFFLINE_BUILD =
  ' (an optional dependency: npm leaves it out when its install script cannot download libtensorflow); `npx clicktune-build-tfjs-node` installs it and builds its addon offline';

/** tfjs-node: TensorFlow's C library with a multi-threaded BLAS. */
export function nodeBackend(): BackendDescriptor {
  let loaded: ReturnType<typeof loadTfjsNode> | undefined;
  const load = () => (loaded ??= loadTfjsNode('@tensorflow/tfjs-node', OFFLINE_BUILD));
  return {
    ...NODE_BACKENDS.node,
    probe: async () => {
      const result = load();
      return result.ok ? { available: true, detail: 'tfjs-node 4.22 (libtensorflow)' } : { available: false, reason: result.reason };
    },
    activate: async () => {
      const result = load();
      if (!result.ok) throw new Error(result.reason);
      const detail = await activateTfjsBackend('tensorflow', () => 'tfjs-node 4.22 (libtensorflow)');
      return { name: 'node', family: 'node', tfjsBackend: 'tensorflow', detail };
    },
  };
}

/** What CUDA needs here, and what is missing (for the node-gpu probe). */
export function cudaReport(): { available: boolean; missing: string[] } {
  const missing: string[] = [];
  const driver = ['/proc/driver/nvidia/version', '/dev/nvidia0'].some((path) => existsSync(path));
  if (!driver) missing.push('no NVIDIA driver (/proc/driver/nvidia/version, /dev/nvidia0)');
  const libraryFolders = ['/usr/local/cuda/lib64', '/usr/lib/x86_64-linux-gnu', '/usr/lib64'];
  const hasLibrary = (prefix: string) => libraryFolders.some((folder) => existsSync(folder) && readdirSync(folder).some((file) => file.startsWith(prefix)));
  if (!hasLibrary('libcudart.so')) missing.push('no CUDA runtime (libcudart.so)');
  if (!hasLibrary('libcudnn.so')) missing.push('no cuDNN (libcudnn.so)');
  return { available: missing.length === 0, missing };
}

/** tfjs-node-gpu: libtensorflow with CUDA. Not installed by ClickTune; the probe says what is missing. */
export function nodeGpuBackend(): BackendDescriptor {
  return {
    ...NODE_BACKENDS['node-gpu'],
    probe: async () => {
      const cuda = cudaReport();
      const loaded = loadTfjsNode('@tensorflow/tfjs-node-gpu', '');
      const missing = [...cuda.missing, ...(loaded.ok ? [] : [loaded.reason])];
      return missing.length === 0 ? { available: true, detail: 'tfjs-node-gpu 4.22 (CUDA)' } : { available: false, reason: missing.join('; ') };
    },
    activate: async () => {
      const detail = await activateTfjsBackend('tensorflow', () => 'tfjs-node-gpu 4.22 (CUDA)');
      return { name: 'node-gpu', family: 'node-gpu', tfjsBackend: 'tensorflow', detail };
    },
  };
}
