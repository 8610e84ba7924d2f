// A tiny web service on port 80 that answers with what the kernel says about it: GET /
// returns this process's own /proc/self/status (Uid, Gid, Groups, Cap*, NoNewPrivs, Seccomp).
'use strict';
const fs = require('fs');
const http = require('http');

http.createServer((req, res) => {
  const body = fs.readFileSync('/proc/self/status');
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
}).listen(80);
