import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The CLI tests run the real binary: make sure it is built (turbo caches, so
// this is quick when nothing changed).
export default function setup(): void {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@clicktune/cli...', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
}
