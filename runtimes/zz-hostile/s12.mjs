export default async ({ engine, createSandbox, journal, out }) => {
  class MyErr extends Error {}
  class MyMap extends Map {}
  class MyArr extends Array {}
  const endowments = {
    patterns: {
      letter: /^\p{L}+$/u,
      word: /\w+/i,
      sets: /^[\p{L}--[a-z]]$/v,
      emoji: /^\p{RGI_Emoji}$/v,
      dotall: /a.b/s,
      look: /(?<=\$)\d+/,
    },
    strObj: new String('a'),
    numObj: new Number(1234567.891),
    MyErr,
    MyMap,
    MyArr,
    set: new Set([1, 2]),
    myMap: new MyMap([[1, 2]]),
    plain: {},
    arr: [3, 1, 2],
  };
  const sandbox = createSandbox({ engine, endowments, journal });
  const r = sandbox.evaluate(`
    const o = [];
    const t = (name, f) => { try { const v = f(); o.push(name + ' = ' + (typeof v === 'function' ? 'fn' : JSON.stringify(v))); } catch (e) { o.push(name + ' ! ' + e.name + ': ' + e.message); } };
    t('u16 letter', () => patterns.letter.test('\\u1C89'));
    t('u15.1 letter', () => patterns.letter.test('\\u{2EBF0}'));
    t('u15 letter', () => patterns.letter.test('\\u{11F00}'));
    t('u17 letter', () => patterns.letter.test('\\u{10EC2}'));
    t('sets', () => patterns.sets.test('A'));
    t('emoji 15.1', () => patterns.emoji.test('\\u{1F426}\\u200D\\u{1F525}'));
    t('emoji 16', () => patterns.emoji.test('\\u{1FAE9}'));
    t('look', () => patterns.look.exec('cost $42'));
    t('match', () => 'cost $42'.match(patterns.look));
    t('replace', () => 'cost $42'.replace(patterns.look, 'X'));
    t('flags', () => patterns.emoji.flags + patterns.emoji.unicodeSets);
    t('localeCompare', () => strObj.localeCompare('B'));
    t('localeCompare2', () => String.prototype.localeCompare.call(strObj, '\\u00e4'));
    t('toLocaleString', () => numObj.toLocaleString());
    t('toLocaleString2', () => Number.prototype.toLocaleString.call(numObj, 'de-DE'));
    t('numObj.toFixed', () => numObj.toFixed(2));
    t('MyErr.captureStackTrace', () => typeof MyErr.captureStackTrace);
    t('MyErr.stackTraceLimit', () => MyErr.stackTraceLimit);
    t('MyErr.prepareStackTrace', () => MyErr.prepareStackTrace);
    t('MyErr.isError', () => typeof MyErr.isError);
    t('MyMap.groupBy', () => typeof MyMap.groupBy);
    t('MyArr.fromAsync', () => typeof MyArr.fromAsync);
    t('set.union', () => typeof set.union);
    t('set.union()', () => [...set.union(new Set([3]))]);
    t('myMap.getOrInsert', () => typeof myMap.getOrInsert);
    t('plain.__defineGetter__', () => typeof plain.__defineGetter__);
    t('arr.toSorted', () => arr.toSorted());
    t('arr.group', () => typeof arr.group);
    t('arr.findLast', () => arr.findLast(x => x > 1));
    t('keysMyErr', () => Reflect.ownKeys(MyErr));
    t('MyErr.proto', () => Object.getPrototypeOf(MyErr) === Error);
    t('new MyErr', () => { const e = new MyErr('m'); return [e.name, e.message, e instanceof Error, typeof e.stack]; });
    t('new MyErr stack', () => new MyErr('m').stack);
    t('new MyMap', () => { const m = new MyMap([[1,2]]); return [m.size, m.get(1)]; });
    o.join('\\n');
  `);
  out.guest = r.split('\n');
  out.snapshotBytes = sandbox.snapshot();
};
