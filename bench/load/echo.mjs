// A minimal MCP server that does no work, for bench/load: one tool, "echo", that returns its
// "text" argument. No SDK and no dependencies, so its own cost is as small as a Node server's can be.
//
//   node echo.mjs               stdio: newline-delimited JSON-RPC on stdin/stdout (the upstream
//                               every gateway under test fronts)
//   node echo.mjs --http PORT   the same handler behind a bare node:http Streamable HTTP front on
//                               127.0.0.1:PORT/mcp (the "direct" baseline: no gateway in the path).
//                               Stateful like the gateways: initialize returns an Mcp-Session-Id that
//                               later requests must carry; answers are JSON, never SSE.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import readline from 'node:readline';

const TOOL = {
  name: 'echo',
  description: 'Returns its text argument.',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
};

/** The answer to one message, or null for a notification. */
function answer(msg) {
  if (msg.id === undefined || msg.id === null) return null;
  switch (msg.method) {
    case 'initialize':
      return { jsonrpc: '2.0', id: msg.id, result: {
        protocolVersion: msg.params?.protocolVersion ?? '2025-06-18',
        capabilities: { tools: {} },
        serverInfo: { name: 'bench-echo', version: '1.0.0' } } };
    case 'ping':
      return { jsonrpc: '2.0', id: msg.id, result: {} };
    case 'tools/list':
      return { jsonrpc: '2.0', id: msg.id, result: { tools: [TOOL] } };
    case 'tools/call': {
      const text = String(msg.params?.arguments?.text ?? '');
      return { jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text }] } };
    }
    default:
      return { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: `method not found: ${msg.method}` } };
  }
}

if (process.argv[2] === '--http') {
  const port = Number(process.argv[3]);
  const sessions = new Set();
  const server = http.createServer((req, res) => {
    if (req.url !== '/mcp') { res.writeHead(404).end(); return; }
    if (req.method === 'DELETE') {
      sessions.delete(req.headers['mcp-session-id']);
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'POST') { res.writeHead(405).end(); return; }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let msg;
      try { msg = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch {
        res.writeHead(400, { 'content-type': 'application/json' })
          .end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}');
        return;
      }
      const headers = { 'content-type': 'application/json' };
      if (msg.method === 'initialize') {
        const id = randomUUID();
        sessions.add(id);
        headers['mcp-session-id'] = id;
      } else if (!sessions.has(req.headers['mcp-session-id'])) {
        res.writeHead(404, headers).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id ?? null,
          error: { code: -32600, message: 'session not found' } }));
        return;
      }
      const out = answer(msg);
      if (out === null) { res.writeHead(202).end(); return; }
      res.writeHead(200, headers).end(JSON.stringify(out));
    });
  });
  server.keepAliveTimeout = 120_000;
  server.listen(port, '127.0.0.1');
} else {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let msg;
    try { msg = JSON.parse(line); } catch { return; }
    const out = answer(msg);
    if (out !== null) process.stdout.write(JSON.stringify(out) + '\n');
  });
  rl.on('close', () => process.exit(0));
}
