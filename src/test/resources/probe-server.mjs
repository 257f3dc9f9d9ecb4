#!/usr/bin/env node
// Waygate test upstream: a minimal stdio MCP server in raw JSON lines (no dependencies), whose
// behaviour the integration tests can observe from outside.
//   hang          never answers (the gateway's per-server timeout must fire)
//   echo          answers at once: "probe: <message>"
//   cancellations the notifications/cancelled this server received, as JSON text
//   received      the method of every message this server received, in order, as JSON text
import { createInterface } from 'node:readline';

const VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
const TOOLS = [
  { name: 'hang', description: 'Never answers.', inputSchema: { type: 'object' } },
  { name: 'echo', description: 'Echoes message.', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } },
  { name: 'cancellations', description: 'The cancellations received so far.', inputSchema: { type: 'object' } },
  { name: 'received', description: 'The methods received so far.', inputSchema: { type: 'object' } }
];
const received = [];
const cancellations = [];

const send = (m) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...m }) + '\n');
const text = (t) => ({ content: [{ type: 'text', text: t }] });

function call(id, params) {
  switch (params?.name) {
    case 'hang': return; // no answer, ever
    case 'echo': send({ id, result: text('probe: ' + (params.arguments?.message ?? '')) }); return;
    case 'cancellations': send({ id, result: text(JSON.stringify(cancellations)) }); return;
    case 'received': send({ id, result: text(JSON.stringify(received)) }); return;
    default: send({ id, error: { code: -32602, message: 'unknown tool: ' + params?.name } });
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  let m;
  try { m = JSON.parse(line); } catch { send({ id: null, error: { code: -32700, message: 'parse error' } }); return; }
  if (m.method) received.push(m.method);
  if (m.method === undefined) return; // a response to something we never ask
  if (m.id === undefined) {
    if (m.method === 'notifications/cancelled') cancellations.push(m.params ?? {});
    return;
  }
  switch (m.method) {
    case 'initialize': {
      const v = VERSIONS.includes(m.params?.protocolVersion) ? m.params.protocolVersion : VERSIONS[0];
      send({ id: m.id, result: { protocolVersion: v, capabilities: { tools: {} }, serverInfo: { name: 'probe', version: '1.0.0' } } });
      return;
    }
    case 'ping': send({ id: m.id, result: {} }); return;
    case 'tools/list': send({ id: m.id, result: { tools: TOOLS } }); return;
    case 'tools/call': call(m.id, m.params); return;
    default: send({ id: m.id, error: { code: -32601, message: 'method not found: ' + m.method } });
  }
});
process.stdin.on('end', () => process.exit(0));
