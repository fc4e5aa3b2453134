export default async ({ engine, createSandbox, out }) => {
  const sandbox = createSandbox({ engine });
  out.guest = sandbox.evaluate(
    `JSON.stringify({ 2147483648: 1, 4294967294: 2 }) + ' ' + JSON.stringify(JSON.parse('{"3000000000":1}'))`,
  );
};
