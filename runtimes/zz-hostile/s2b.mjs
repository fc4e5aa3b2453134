const t0 = Date.now();
try {
  const f = () => f();
  f();
} catch (e) {
  console.log(String(e));
}
console.log('plain ms', Date.now() - t0);
