// Creates an explicit agent dispatch with livekit-server-sdk's AgentDispatchClient (Twirp:
// POST /twirp/livekit.AgentDispatchService/CreateDispatch), for NodeAgentConformanceTest.
//
//   LIVEKIT_URL=ws://127.0.0.1:7880 LIVEKIT_API_KEY=devkey LIVEKIT_API_SECRET=secret \
//   node create-dispatch.mjs <room> <agent name> [metadata]
//
// Success: prints `DISPATCH_CREATED <dispatch id>`, then `DISPATCH_JSON <the returned dispatch>`,
// and exits 0. Failure: prints `DISPATCH_FAILED <reason>` on stderr and exits non-zero.
import { AgentDispatchClient } from 'livekit-server-sdk';

const fail = (reason, code = 1) => {
  process.stderr.write(`DISPATCH_FAILED ${reason}\n`);
  process.exit(code);
};

const [room, agentName, metadata] = process.argv.slice(2);
if (!room || !agentName) fail('usage: node create-dispatch.mjs <room> <agent name> [metadata]', 2);
for (const name of ['LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET']) {
  if (!process.env[name]) fail(`environment variable ${name} is required`, 2);
}

const client = new AgentDispatchClient(
  process.env.LIVEKIT_URL,
  process.env.LIVEKIT_API_KEY,
  process.env.LIVEKIT_API_SECRET,
);

let dispatch;
try {
  dispatch = await client.createDispatch(room, agentName, metadata ? { metadata } : undefined);
} catch (e) {
  // TwirpError carries the HTTP status and the Twirp error code next to the message.
  // A transport failure (fetch) keeps the real reason in `cause`.
  const detail = e && typeof e === 'object' && 'status' in e ? ` (status ${e.status}, code ${e.code})` : '';
  const cause = e?.cause ? `: ${e.cause.code ?? ''} ${e.cause.message ?? e.cause}`.trimEnd() : '';
  fail(`${e instanceof Error ? e.message : e}${cause}${detail}`);
}

if (!dispatch.id) fail(`the server returned a dispatch without an id: ${dispatch.toJsonString()}`, 3);
if (dispatch.room !== room || dispatch.agentName !== agentName) {
  fail(
    `the server returned a dispatch for room=${dispatch.room} agentName=${dispatch.agentName}, ` +
      `asked for room=${room} agentName=${agentName}`,
    3,
  );
}
process.stdout.write(`DISPATCH_CREATED ${dispatch.id}\n`);
process.stdout.write(`DISPATCH_JSON ${dispatch.toJsonString()}\n`);
