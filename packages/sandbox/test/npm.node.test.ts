// Real npm packages, read from node_modules by the confined module host and run in the guest as
// CommonJS (their require()s resolved by Node's rules inside the root), give what they give in Node.js.
import { fileURLToPath } from 'node:url';
import { createSandbox, loadEngine, type Sandbox } from '@xsb/sandbox';
import { folderModuleHost } from '@xsb/sandbox/node';
import jsYaml from 'js-yaml';
import lodash from 'lodash';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';

const engine = await loadEngine();
// the workspace is the root: pnpm keeps the packages' files in its node_modules/.pnpm
const modules = folderModuleHost({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  packages: ['lodash', 'marked', 'js-yaml'],
});

/** Makes a package a guest global, so guest code uses it as a guest would. */
function install(sandbox: Sandbox, name: string, entry: string): void {
  // required as from this package's folder, where its node_modules lists them
  sandbox.evaluateCommonJsModule(
    `globalThis[${JSON.stringify(name)}] = require(${JSON.stringify(entry)})`,
    '/packages/sandbox/install.js',
  );
}

describe('npm packages in the guest', () => {
  it('lodash', () => {
    using sandbox = createSandbox({ engine, modules });
    install(sandbox, '_', 'lodash');
    const people = [
      { name: 'ada', age: 36, team: 'x' },
      { name: 'bob', age: 25, team: 'y' },
      { name: 'cy', age: 41, team: 'x' },
    ];
    const work = `(people) => JSON.stringify({
      chunk: _.chunk([1, 2, 3, 4, 5], 2),
      groups: _.groupBy(people, 'team'),
      sorted: _.sortBy(people, ['age']).map((p) => p.name),
      merged: _.merge({ a: { b: 1 } }, { a: { c: 2 } }),
      template: _.template('hello <%= user %>!')({ user: 'guest' }),
      camel: _.camelCase('Foo Bar-baz'),
      uniq: _.uniqBy([2.1, 1.2, 2.3], Math.floor),
      debounced: typeof _.debounce(() => {}, 10),
    })`;
    const guest = sandbox.evaluate(`(${work})(${JSON.stringify(people)})`) as string;
    const host = new Function('_', `return (${work})(${JSON.stringify(people)})`)(lodash) as string;
    expect(JSON.parse(guest)).toEqual(JSON.parse(host));
  });

  it('marked', () => {
    using sandbox = createSandbox({ engine, modules });
    install(sandbox, 'marked', 'marked');
    const markdown =
      '# Title\n\nSome *emphasis*, `code` and a [link](https://example.com).\n\n- one\n- two\n\n```js\nlet x = 1 < 2;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n';
    expect(sandbox.evaluate(`marked.marked.parse(${JSON.stringify(markdown)})`)).toBe(marked.parse(markdown));
  });

  it('js-yaml', () => {
    using sandbox = createSandbox({ engine, modules });
    install(sandbox, 'yaml', 'js-yaml');
    const text =
      'name: xsb\nversion: 1.2\nlist:\n  - a\n  - { b: 2, c: [true, null] }\nwhen: 2026-11-27\nmulti: |\n  line one\n  line two\n';
    const guest = sandbox.evaluate(`JSON.stringify(yaml.load(${JSON.stringify(text)}))`) as string;
    expect(JSON.parse(guest)).toEqual(JSON.parse(JSON.stringify(jsYaml.load(text))));
    const object = { a: [1, 2, { b: 'x: y' }], c: 'multi\nline', d: { e: null } };
    expect(sandbox.evaluate(`yaml.dump(${JSON.stringify(object)})`)).toBe(jsYaml.dump(object));
  });
});
