#!/usr/bin/env node
// Waygate test upstream: a minimal MCP server in raw JSON-RPC (no dependencies), whose behaviour
// the integration tests can observe from outside.
//
//   node probe-server.mjs              stdio, one JSON message per line
//   node probe-server.mjs http PORT    Streamable HTTP at /mcp answering each POST with JSON (no
//                                      SSE, no sessions), as servers in "JSON response" mode do
//
// Tools:
//   hang          never answers (the gateway's per-server timeout must fire)
//   stall         http: sends the response headers, then never the body; stdio: as hang
//   echo          answers at once: "probe: <message>"
//   cancellations the notifications/cancelled this server received, as JSON text
//   received      the method of every message this server received, in order, as JSON text
//   noisy         stdio: writes a line that is not JSON, an empty line and a blank one, then
//                 answers "probe: noisy" (the gateway must skip the noise); http: answers at once
import { createInterface } from 'node:readline';
import { createServer } from 'node:http';

const VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
const TOOLS = [
  { name: 'hang', description: 'Never answers.', inputSchema: { type: 'object' } },
  { name: 'stall', description: 'Sends headers, never the body.', inputSchema: { type: 'object' } },
  { name: 'echo', description: 'Echoes message.', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } },
  { name: 'cancellations', description: 'The cancellations received so far.', inputSchema: { type: 'object' } },
  { name: 'received', description: 'The methods received so far.', inputSchema: { type: 'object' } },
  { name: 'noisy', description: 'Writes non-JSON lines before answering.', inputSchema: { type: 'object' } }
];
const received = [];
const cancellations = [];
const text = (t) => ({ content: [{ type: 'text', text: t }] });

/**
 * Handles one message. `reply(message)` answers a request; `stall()` is how this transport
 * starts an answer it never finishes. Returns nothing: requests that hang simply never reply.
 */
function handle(m, reply, stall, noise = () => {}) {
  if (m.method) received.push(m.method);
  if (m.method === undefined) return; // a response to something we never ask
  if (m.id === undefined) {
    if (m.method === 'notifications/cancelled') cancellations.push(m.params ?? {});
    return;
  }
  const ok = (result) => reply({ jsonrpc: '2.0', id: m.id, result });
  const fail = (code, message) => reply({ jsonrpc: '2.0', id: m.id, error: { code, message } });
  switch (m.method) {
    case 'initialize': {
      const v = VERSIONS.includes(m.params?.protocolVersion) ? m.params.protocolVersion : VERSIONS[0];
      return ok({ protocolVersion: v, capabilities: { tools: {} }, serverInfo: { name: 'probe', version: '1.0.0' } });
    }
    case 'ping': return ok({});
    case 'tools/list': return ok({ tools: TOOLS });
    case 'tools/call':
      switch (m.params?.name) {
        case 'hang': return; // no answer, ever
        case 'stall': return stall();
        case 'echo': return ok(text('probe: ' + (m.params.arguments?.message ?? '')));
        case 'cancellations': return ok(text(JSON.stringify(cancellations)));
        case 'received': return ok(text(JSON.stringify(received)));
        case 'noisy': noise(); return ok(text('probe: noisy'));
        default: return fail(-32602, 'unknown tool: ' + m.params?.name);
      }
    default: return fail(-32601, 'method not found: ' + m.method);
  }
}

function stdio() {
  const send = (m) => process.stdout.write(JSON.stringify(m) + '\n');
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (!line.trim()) return;
    let m;
    try { m = JSON.parse(line); } catch { send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }); return; }
    handle(m, send, () => {}, () => process.stdout.write('npm notice: not JSON at all \u00e9\n\n \t \r\n'));
  });
  process.stdin.on('end', () => process.exit(0));
}

function http(port) {
  createServer((req, res) => {
    if (req.url !== '/mcp') { res.writeHead(404).end(); return; }
    if (req.method !== 'POST') { res.writeHead(405, { Allow: 'POST' }).end(); return; }
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      let m;
      try { m = JSON.parse(body); } catch { res.writeHead(400).end(); return; }
      if (m.id === undefined || m.method === undefined) { handle(m, () => {}, () => {}); res.writeHead(202).end(); return; }
      handle(m,
        (reply) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply)),
        () => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.flushHeaders(); res.write('{'); });
    });
  }).listen(Number(port), '127.0.0.1', () => console.error('probe listening on ' + port));
}

if (process.argv[2] === 'http') http(process.argv[3]); else stdio();
