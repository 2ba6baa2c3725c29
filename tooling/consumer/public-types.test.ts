import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unexportedTypes } from './public-types';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Each public package's shipped entry declarations (index and ./internal). Needs the packages built. */
function entryDeclarations(): Array<{ file: string; text: string }> {
  return ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(root, group)).flatMap((name) => {
      const folder = join(root, group, name);
      const manifest = join(folder, 'package.json');
      if (!existsSync(manifest) || JSON.parse(readFileSync(manifest, 'utf8')).private === true) return [];
      return ['index.d.ts', 'internal.d.ts']
        .map((entry) => join(folder, 'dist', entry))
        .filter((file) => existsSync(file))
        .map((file) => ({ file: file.slice(root.length), text: readFileSync(file, 'utf8') }));
    }),
  );
}

describe('public signatures use only exported types', () => {
  it('finds a leak in a declaration file made to have one', () => {
    const leaky = [
      "import { I as ItemsSet, S as SessionObjects } from './internal-x.js';",
      'interface TrainerState { epoch: number; }',
      'declare class Trainer { checkpoint(file: string, state: TrainerState): void; objects(): SessionObjects; items(): ItemsSet; }',
      'export { ItemsSet, Trainer };',
    ].join('\n');
    expect(unexportedTypes(leaky)).toEqual(['SessionObjects', 'TrainerState']);
    expect(unexportedTypes(`${leaky}\nexport type { SessionObjects, TrainerState };`)).toEqual([]);
  });

  it('holds for every public package', () => {
    const files = entryDeclarations();
    expect(files.length, 'no built declarations found: build the packages first').toBeGreaterThanOrEqual(15);
    const leaks = files.flatMap(({ file, text }) => unexportedTypes(text).map((name) => `${file}: ${name}`));
    expect(leaks).toEqual([]);
  });
});
