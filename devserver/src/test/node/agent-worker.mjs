// Runs LiveKit's official Node agent worker (@livekit/agents) against a LiveKit-compatible server,
// for NodeAgentConformanceTest. Started programmatically (AgentServer + ServerOptions), not
// through the interactive CLI.
//
//   LIVEKIT_URL=ws://127.0.0.1:7880 LIVEKIT_API_KEY=devkey LIVEKIT_API_SECRET=secret \
//   LIVEKIT_AGENT_NAME=conformance-agent node agent-worker.mjs
//
// Lines on stdout meant for the test (everything else there is the worker's JSON log):
//   REGISTERED <worker id>                    the server answered RegisterWorkerRequest
//   ANSWERED <job id> available=<true|false>   the worker sent an AvailabilityResponse
//   JOB_RECEIVED <job id> <room name>          the job's entry function ran (in a forked job process)
//   JOB_TOKEN <identity> <room>                the JobAssignment token verified with the API secret
//   JOB_TOKEN_INVALID <reason>                 ... or why it did not
//
// The entry function does not join the room (the dev server has no /rtc media yet): it reports
// the job and ends it cleanly with ctx.shutdown().
//
// This file is also the agent module: the worker forks a job process that imports it for its
// default export, so the worker itself only starts when the file is run as the main script.
import {
  AgentServer,
  InferenceRunner,
  ServerOptions,
  defineAgent,
  initializeLogger,
} from '@livekit/agents';
import { TokenVerifier } from 'livekit-server-sdk';
import { fileURLToPath } from 'node:url';

const say = (text) => process.stdout.write(`${text}\n`);
const orDash = (value) => (value ? String(value).replace(/\s+/g, '_') : '-');

export default defineAgent({
  entry: async (ctx) => {
    const job = ctx.job;
    say(`JOB_RECEIVED ${job.id} ${orDash(job.room?.name)}`);

    const { token, apiKey, apiSecret } = ctx.info;
    try {
      const claims = await new TokenVerifier(apiKey, apiSecret).verify(token);
      say(`JOB_TOKEN ${orDash(claims.sub)} ${orDash(claims.video?.room)}`);
    } catch (e) {
      say(`JOB_TOKEN_INVALID ${orDash(e instanceof Error ? e.message : e)}`);
    }

    ctx.shutdown('holdline conformance: job received');
  },
});

async function main() {
  const env = (name) => {
    const value = process.env[name];
    if (!value) {
      process.stderr.write(`agent-worker: environment variable ${name} is required\n`);
      process.exit(2);
    }
    return value;
  };
  const wsURL = env('LIVEKIT_URL');
  const apiKey = env('LIVEKIT_API_KEY');
  const apiSecret = env('LIVEKIT_API_SECRET');
  // An agent name makes the worker explicit-dispatch only, which CreateDispatch targets.
  const agentName = env('LIVEKIT_AGENT_NAME');

  initializeLogger({ pretty: false, level: process.env.LOG_LEVEL || 'info' });

  // By default the worker forks a shared inference process that loads the local end-of-turn
  // model (~330 MB RSS, seconds of CPU); it has nothing to do with the agent protocol. Mark that
  // runner as already registered without making it enumerable, so the worker neither registers
  // it nor starts the process. HOLDLINE_NODE_LOCAL_INFERENCE=1 keeps the stock behaviour.
  if (process.env.HOLDLINE_NODE_LOCAL_INFERENCE !== '1') {
    Object.defineProperty(InferenceRunner.registeredRunners, 'lk_eot_audio', {
      value: 'disabled by holdline conformance test',
      enumerable: false,
      configurable: true,
    });
  }

  const server = new AgentServer(
    new ServerOptions({
      agent: fileURLToPath(import.meta.url),
      agentName,
      wsURL,
      apiKey,
      apiSecret,
      production: false, // dev defaults: no idle job processes, load threshold never reached
      host: '127.0.0.1', // health endpoint on an ephemeral loopback port
      port: 0,
      shutdownProcessTimeout: 5_000,
    }),
  );

  server.event.on('worker_registered', (workerId) => say(`REGISTERED ${workerId}`));
  server.event.on('worker_msg', (msg) => {
    if (msg.message.case === 'availability') {
      const answer = msg.message.value;
      say(`ANSWERED ${answer.jobId} available=${answer.available}`);
    }
  });

  let stopping = false;
  const stop = (signal) => {
    if (stopping) process.exit(1);
    stopping = true;
    server
      .close()
      .catch((e) => process.stderr.write(`agent-worker: close failed after ${signal}: ${e}\n`))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Started by a test: stop when the parent goes away (our stdin pipe closes), so a killed JVM
  // leaves no worker behind. (Job processes exit on their own once the worker stops pinging.)
  if (process.env.HOLDLINE_EXIT_ON_STDIN_EOF === '1') {
    process.stdin.on('end', () => stop('stdin EOF'));
    process.stdin.on('error', () => stop('stdin error'));
    process.stdin.resume();
  }

  try {
    await server.run();
  } catch (e) {
    process.stderr.write(`agent-worker: worker failed: ${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
