// A tiny web service on port 80 that answers with what the kernel says about it: GET /
// returns this process's own /proc/self/status (Uid, Gid, Groups, Cap*, NoNewPrivs, Seccomp).
//
// At start it tries to open its own source for writing (appending nothing) and logs what the
// kernel answered: under hardinit's --fs-ro / the answer is EACCES, although the file belongs
// to the user the service runs as.
'use strict';
const fs = require('fs');
const http = require('http');

function tryToWriteOwnCode() {
  try {
    fs.closeSync(fs.openSync(__filename, 'a'));
  } catch (e) {
    return `${__filename}: write refused: ${e.code} (${e.message})`;
  }
  return `${__filename}: WRITABLE: this service could change its own code`;
}

console.log(`own code: ${tryToWriteOwnCode()}`);
http.createServer((req, res) => {
  const body = fs.readFileSync('/proc/self/status');
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
}).listen(80);
