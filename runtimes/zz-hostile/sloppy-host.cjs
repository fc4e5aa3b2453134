// an ordinary CommonJS host module (sloppy mode by default)
var secret = 'db-password-hunter2';
function withTransaction(fn) {
  return fn('tx1');
}
function adminTask(sandbox) {
  return withTransaction(function adminInner(tx) {
    return sandbox.evaluate('onTx()');
  });
}
function dropAllTables() {
  return 'DROPPED with ' + secret;
}
module.exports = { withTransaction, adminTask, dropAllTables };
