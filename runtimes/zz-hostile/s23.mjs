export default async ({ engine, createSandbox, journal, out }) => {
  const obj = { [2 ** 32 - 2]: 'a', 4294967295: 'b', 2147483648: 'c', 2147483647: 'd' };
  const sandbox = createSandbox({ engine, endowments: { obj, echo: (o) => Object.keys(o).join() }, journal });
  out.guest = sandbox
    .evaluate(
      `[JSON.stringify(obj), Object.keys(obj).join(), obj[4294967294], obj['4294967294'], obj[2147483648], Object.entries(obj).join(';'), echo({4294967294: 1, 2147483648: 2}), JSON.stringify({ ...obj }), Object.keys({...obj}).join()].join('\\n')`,
    )
    .split('\n');
};
