export default async ({ engine, createSandbox, journal, out }) => {
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  const endowments = {
    parse: (s) => JSON.parse(s),
    callIt: (o) => o.notAFunction(),
    cfg: {
      notFn: 1,
      get bad() {
        return null.x;
      },
    },
    deep: () => {
      const f = () => f();
      return f();
    },
    big: (a) => BigInt(a),
    num: (n) => n.toFixed(200),
    arr: (n) => new Array(n),
    norm: (s) => s.normalize('XX'),
    uri: (s) => decodeURIComponent(s),
    re: (s) => new RegExp(s),
    getRevoked: () => revocable.proxy,
    frozen: (o) => {
      const f = Object.freeze({ a: 1 });
      f.a = 2;
    },
    undef: () => {
      let u;
      return u.foo;
    },
    sym: () => Symbol() + '',
  };
  const sandbox = createSandbox({ engine, endowments, journal });
  const r = sandbox.evaluate(`
    const o = [];
    const t = (name, f) => { try { o.push(name + ': ok ' + String(f())); } catch (e) { o.push(name + ': ' + e.name + ': ' + e.message); } };
    t('parse', () => parse('{"a":1,}'));
    t('parse2', () => parse(''));
    t('callIt', () => callIt({ notAFunction: 3 }));
    t('bad', () => cfg.bad);
//t('deep', () => deep());
    t('big', () => big('1.5'));
    t('num', () => num(1));
    t('arr', () => arr(-1));
    t('norm', () => norm('a'));
    t('uri', () => uri('%'));
    t('re', () => re('('));
    t('revoked', () => getRevoked().x);
    t('frozen', () => frozen());
    t('undef', () => undef());
    t('sym', () => sym());
    o.join('\\n');
  `);
  out.guest = r.split('\n');
  out.snapshotBytes = sandbox.snapshot();
};
