// The layering rule, checked from source text: the core (xs-wasm, channel, membrane, journal)
// imports nothing above it, sandbox composes the core, plugins see only @xsb/sandbox.
// Shared by every package's test/layering.test.ts so the rule is written once.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

// Static `import … from 'x'`, `import 'x'`, `export … from 'x'` (type-only too), each anchored at a
// line start so a specifier quoted inside a string or comment further along a line is not taken.
const STATIC = /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w$*\s{},]+?\s+from\s*)?['"]([^'"\n]+)['"]/gm;
// `import('x')` anywhere: a dynamic import is as much a dependency as a static one.
const DYNAMIC = /\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g;
// Block comments, and line comments that start a line or follow whitespace (not `://` in URLs).
const COMMENTS = /\/\*[\s\S]*?\*\/|(^|\s)\/\/[^\n]*/g;

/** The module specifiers one TypeScript source imports or re-exports, in order of appearance. */
export function importSpecifiers(source: string): string[] {
  const code = source.replace(COMMENTS, (_, lead: string | undefined) => lead ?? '');
  const found: { at: number; specifier: string }[] = [];
  for (const pattern of [STATIC, DYNAMIC]) {
    for (const match of code.matchAll(pattern)) found.push({ at: match.index, specifier: match[1]! });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.specifier);
}

/** Every `.ts` file under `srcDir`, recursively, as absolute paths in a stable order. */
function sourceFiles(srcDir: string): string[] {
  return readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => join(srcDir, name));
}

/** The distinct specifiers imported by the `.ts` files under `srcDir`, sorted. */
export function importsOf(srcDir: string): string[] {
  const all = sourceFiles(srcDir).flatMap((file) => importSpecifiers(readFileSync(file, 'utf8')));
  return [...new Set(all)].sort();
}

export interface LayeringRule {
  /** The `@xsb/*` packages this package may import; any other `@xsb/*` import is a violation. */
  allowed: RegExp[];
}

/** The package a specifier names: `@xsb/xs-wasm/globals` is `@xsb/xs-wasm`. */
const packageOf = (specifier: string): string => specifier.split('/').slice(0, 2).join('/');

/**
 * Throws, listing every offending file and specifier, if `pkgDir/src` imports an `@xsb/*` package
 * not in `allowed`, or reaches outside its own `src` by a relative path (which would bypass the
 * package boundary the rule is about). Returns the specifiers seen, so a test can also check that
 * the scan found what it should.
 */
export function expectLayering(pkgDir: string, { allowed }: LayeringRule): string[] {
  const srcDir = resolve(pkgDir, 'src');
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const file of sourceFiles(srcDir)) {
    const where = relative(pkgDir, file);
    for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
      seen.add(specifier);
      if (specifier.startsWith('.')) {
        const target = resolve(file, '..', specifier);
        if (target !== srcDir && !target.startsWith(srcDir + sep)) {
          problems.push(`${where} imports ${JSON.stringify(specifier)}, outside src/; import the package by its name instead`);
        }
      } else if (/^@xsb\//.test(specifier) && !allowed.some((pattern) => pattern.test(packageOf(specifier)))) {
        problems.push(
          `${where} imports ${JSON.stringify(specifier)}, which this layer may not use (allowed: ${allowed.join(', ') || 'none'})`,
        );
      }
    }
  }
  if (problems.length > 0) throw new Error(`layering violated in ${pkgDir}:\n  ${problems.join('\n  ')}`);
  return [...seen].sort();
}
