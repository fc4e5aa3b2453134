const API_KEY = 'sk-live-123';
export default async ({ engine, createSandbox, journal, out }) => {
  const db = {
    query(sql) {
      // connect to postgres://admin:hunter2@db.internal:5432/prod
      const key = 'sk-live-SECRET-abcdef';
      return sql.length + key.length;
    },
  };
  const endowments = {
    db,
    fetchData: async (url) => {
      const token = process?.env?.HOME;
      return url + API_KEY;
    },
  };
  const sandbox = createSandbox({ engine, endowments, journal });
  out.guest = sandbox.evaluate(`
    const o = [];
    try { new db.query(); } catch (e) { o.push(e.message); }
    try { new fetchData(); } catch (e) { o.push(e.message); }
    try { String(db.query); o.push(Function.prototype.toString.call(db.query)); } catch (e) { o.push(e.message); }
    o;
  `);
  out.guest = [...out.guest];
  out.snapshotBytes = sandbox.snapshot();
};
