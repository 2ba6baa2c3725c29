/**
 * Names a bundled declaration file (tsup's rollup-dts output) uses in its
 * public signatures without exporting them: types declared locally but left
 * out of its export list, and types it imports from a shared chunk of its
 * own package without re-exporting them. rollup-dts keeps only declarations
 * that something exported reaches, so every such name is a leak — a type a
 * user sees in a signature but cannot import.
 */
export function unexportedTypes(declarations: string): string[] {
  const exported = new Set<string>();
  for (const match of declarations.matchAll(/export\s*(?:type\s*)?\{([^}]*)\}/g)) for (const name of listedNames(match[1] as string)) exported.add(name);
  for (const match of declarations.matchAll(/export\s+(?:declare\s+)?(?:abstract\s+)?(?:interface|type|class|enum|function|const|let)\s+([\w$]+)/g))
    exported.add(match[1] as string);
  const leaks = new Set<string>();
  for (const match of declarations.matchAll(/^(?:declare\s+)?(?:abstract\s+)?(?:interface|type|class|enum)\s+([\w$]+)/gm)) {
    if (!exported.has(match[1] as string)) leaks.add(match[1] as string);
  }
  for (const match of declarations.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'\.\/[^']+'/g)) {
    for (const name of listedNames(match[1] as string)) if (!exported.has(name)) leaks.add(name);
  }
  return [...leaks].sort();
}

/** The local names of an import or export list (`a`, `type B`, `c as D` → a, B, D). */
function listedNames(list: string): string[] {
  return list
    .split(',')
    .map((part) =>
      part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .at(-1),
    )
    .filter((name): name is string => Boolean(name));
}
