// Node.js only: a module host confined to one folder. A module host is the guest's authority over
// the host's files (whatever it can read, the guest can read), so this one reads only regular
// .js/.mjs/.cjs/.json files under its root, and packages the host names, and says so in errors
// that carry no host path and no file's content.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, isAbsolute, join, relative, sep } from 'node:path';
import { ModuleNotFoundError, ModuleRefusedError, SandboxOptionsError } from './errors.js';
import { collapsePath, type ModuleHost } from './modules.js';
import { quote } from './plugin.js';

export interface FolderModuleHostOptions {
  /** The folder the guest's modules come from; nothing outside it (after symlinks) is read. */
  readonly root: string;
  /**
   * Package names the guest may import bare (`lodash`, `@scope/name`, and their subpaths),
   * resolved from node_modules as Node's require() would; each must resolve inside the root.
   * Default: none.
   */
  readonly packages?: readonly string[];
  /** Largest module in bytes; default 1 MiB. */
  readonly maxBytes?: number;
}

/** The file extensions that are modules: anything else (a .env, a key) is never run as code. */
const EXTENSIONS = ['.js', '.mjs', '.cjs', '.json'];
const DEFAULT_MAX_BYTES = 1 << 20;
// a URL or a Node built-in ("node:fs", "file:///etc/passwd", "data:…"), and Windows' "C:"
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// opening a fifo would block until a writer comes, and a symlink swapped in after realpath would
// lead elsewhere: neither happens with these (0 where the platform has no such flag)
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * A module host that answers the guest's imports and requires from the folder `root` only. Its
 * names are root-relative (`/lib/a.js` is `lib/a.js` under root), so journals carry no host path
 * and a restore elsewhere resolves the same. Relative specifiers ("./a.js", "../b") resolve
 * against the importer, with Node's extension and index lookup; the host's own
 * `evaluateModule("./main.mjs")` and a script's `import()` resolve against the root. Refused,
 * with a ModuleRefusedError: URLs and `node:` built-ins, absolute paths, paths that leave the
 * root (symlinks included), bare names not in `packages`, files that are not .js/.mjs/.cjs/.json,
 * what is not a regular file, and files over `maxBytes`. A missing one is a ModuleNotFoundError.
 */
export function folderModuleHost(options: FolderModuleHostOptions): Required<ModuleHost> {
  const { root, packages = [], maxBytes = DEFAULT_MAX_BYTES } = (options ?? {}) as FolderModuleHostOptions;
  const problems: string[] = [];
  let realRoot = '';
  if (typeof root !== 'string' || root === '') problems.push(`root is ${quote(root)}; expected the path of a folder`);
  else {
    try {
      realRoot = realpathSync(root);
      if (!statSync(realRoot).isDirectory()) problems.push(`root ${quote(root)} is not a folder; give the folder of the modules`);
    } catch {
      problems.push(`root ${quote(root)} does not exist; give the folder of the modules`);
    }
  }
  if (!Array.isArray(packages) || packages.some((name) => typeof name !== 'string' || packageName(name) !== name)) {
    problems.push(`packages is ${quote(packages)}; expected package names such as ["lodash", "@scope/name"]`);
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0)
    problems.push(`maxBytes is ${quote(maxBytes)}; expected a whole number > 0`);
  if (problems.length > 0) throw new SandboxOptionsError(problems);
  const allowed = new Set(packages);

  /** The root-relative name of a real path, or undefined when it is outside the root. */
  const nameOf = (real: string): string | undefined => {
    const rest = relative(realRoot, real);
    if (rest === '' || rest === '..' || rest.startsWith(`..${sep}`) || isAbsolute(rest)) return undefined;
    return `/${rest.split(sep).join('/')}`;
  };

  /**
   * The name of what Node's resolution finds for `request` from the module named `from`, checked;
   * `shown` stands for the request in messages, which name no host path.
   */
  const find = (specifier: string, request: string, from: string, shown: string): string => {
    let found: string;
    try {
      found = createRequire(join(realRoot, from)).resolve(request);
    } catch {
      // Node's own message names host folders: say it again with root-relative names only
      throw new ModuleNotFoundError(
        specifier,
        `no module ${JSON.stringify(shown)} under the modules root (tried the name, then .js, .json and an index); check the spelling`,
      );
    }
    if (!isAbsolute(found))
      throw new ModuleRefusedError(specifier, 'it is a Node built-in; the guest gets only files under the modules root');
    let real: string;
    try {
      real = realpathSync(found);
    } catch {
      throw new ModuleNotFoundError(specifier, 'its file could not be read; check that it exists');
    }
    const name = nameOf(real);
    if (name === undefined) {
      throw new ModuleRefusedError(
        specifier,
        'its file (after symlinks) is outside the modules root; copy it into the root instead',
      );
    }
    check(specifier, name, statSync(real));
    return name;
  };

  /** Refuses what is not a module file of an allowed size. */
  const check = (specifier: string, name: string, stats: { isFile(): boolean; size: number }): void => {
    if (!EXTENSIONS.includes(extname(name).toLowerCase())) {
      throw new ModuleRefusedError(specifier, `${JSON.stringify(name)} is not a module: only ${EXTENSIONS.join(', ')} files are`);
    }
    if (!stats.isFile()) throw new ModuleRefusedError(specifier, `${JSON.stringify(name)} is not a regular file`);
    if (stats.size > maxBytes) {
      throw new ModuleRefusedError(
        specifier,
        `${JSON.stringify(name)} is ${stats.size} bytes, more than the ${maxBytes} this module host allows (maxBytes)`,
      );
    }
  };

  return Object.freeze({
    resolve(specifier: string, referrer: string | undefined): string {
      if (typeof specifier !== 'string' || specifier === '' || specifier.includes('\0') || specifier.includes('\\')) {
        throw new ModuleRefusedError(String(specifier), 'expected a relative path such as "./lib.js" or an allowed package name');
      }
      if (SCHEME.test(specifier)) {
        throw new ModuleRefusedError(
          specifier,
          'URLs and Node built-ins ("node:", "file:", …) are refused; import a file under the modules root by a relative path such as "./lib.js"',
        );
      }
      if (specifier.startsWith('/')) {
        throw new ModuleRefusedError(
          specifier,
          'absolute paths are refused; import a file under the modules root by a relative path such as "./lib.js"',
        );
      }
      const from = referrer === undefined ? '/' : (collapsePath(`/${referrer}`, 'refuse') ?? '/');
      if (specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../')) {
        const target = collapsePath(`${from.slice(0, from.lastIndexOf('/') + 1)}${specifier}`, 'refuse');
        if (target === undefined) {
          throw new ModuleRefusedError(
            specifier,
            `from ${JSON.stringify(from)} it leads out of the modules root; keep the guest's modules inside it`,
          );
        }
        return find(specifier, join(realRoot, target), from, target);
      }
      const name = packageName(specifier);
      if (name === undefined || specifier.split('/').some((part) => part === '.' || part === '..' || part === '')) {
        throw new ModuleRefusedError(specifier, 'expected a relative path such as "./lib.js" or an allowed package name');
      }
      if (!allowed.has(name)) {
        throw new ModuleRefusedError(
          specifier,
          `the package ${JSON.stringify(name)} is not one this module host allows; the host may add it to packages`,
        );
      }
      return find(specifier, specifier, from, specifier);
    },

    load(name: string): string {
      const collapsed = typeof name === 'string' && name.startsWith('/') ? collapsePath(name, 'refuse') : undefined;
      if (collapsed !== name) throw new ModuleRefusedError(String(name), 'expected a name this module host resolved');
      let real: string;
      try {
        real = realpathSync(join(realRoot, name));
      } catch {
        throw new ModuleNotFoundError(name, 'no such module under the modules root; check the spelling');
      }
      if (nameOf(real) !== name) throw new ModuleRefusedError(name, 'its file (after symlinks) is not where it was resolved');
      let fd: number;
      try {
        fd = openSync(real, OPEN_FLAGS);
      } catch {
        throw new ModuleNotFoundError(name, 'its file could not be opened; check that it exists and is readable');
      }
      try {
        // checked on the open file, so what is read is what was checked
        const stats = fstatSync(fd);
        check(name, name, stats);
        // one byte more than fstat said, to see a file that grew since: never past maxBytes + 1
        const buffer = Buffer.alloc(stats.size + 1);
        let length = 0;
        for (let n: number; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) {
          length += n;
        }
        if (length > stats.size) {
          throw new ModuleRefusedError(name, 'it grew as it was read; import it again once it is written');
        }
        return buffer.toString('utf8', 0, length);
      } finally {
        closeSync(fd);
      }
    },
  });
}

/** The package a bare specifier names ("lodash/fp" → "lodash", "@a/b/c" → "@a/b"), if it is one. */
function packageName(specifier: string): string | undefined {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return /^(@[a-z0-9~][\w.~-]*\/)?[a-z0-9~][\w.~-]*$/i.test(name) ? name : undefined;
}
