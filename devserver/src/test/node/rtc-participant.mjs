// One LiveKit room participant through the official @livekit/rtc-node client (LiveKit's Rust SDK,
// real WebRTC), for NodeRtcConformanceTest. Two roles:
//
//   publisher  publishes a sine of FREQUENCY Hz (default 440; AudioSource + LocalAudioTrack) until
//              stopped, and once PEER is in the room sends it a data message (plus one addressed to
//              nobody else, and one to everyone)
//   listener   subscribes to the publishers named in EXPECT (identity:frequency,...; default PEER:440)
//              and measures each track over MEASURE_SECONDS: frequency (zero crossings, Goertzel),
//              RMS, frames missing; reports data messages and participants that disconnect. The
//              window opens SETTLE_MS (default 1000) after a track's first sound, when the jitter
//              buffers have settled, or with SETTLE_AFTER_ALL=1 that long after every expected track
//              is subscribed; quiet frames before the window are reported separately
//
//   LIVEKIT_URL=ws://127.0.0.1:7880 LIVEKIT_API_KEY=devkey LIVEKIT_API_SECRET=secret \
//   ROOM=room-1 IDENTITY=caller ROLE=publisher PEER=listener node rtc-participant.mjs
//
// The token is minted here with livekit-server-sdk's AccessToken, so the dev server reads tokens
// exactly as LiveKit's SDK writes them (LIVEKIT_TOKEN overrides). Lines meant for the test:
//   JOINED {"ms":..}                     Room.connect resolved (join time)
//   PUBLISHED <track sid>                the sine track is published
//   DATA_SENT <count>                    the data messages were handed to the client
//   SUBSCRIBED <track sid> <publisher>   the listener got a publisher's audio track
//   DATA {"from":..,"topic":..,"text":..}  a data message arrived (listener)
//   RESULT {"publisher":..,...}          the audio measurement of one publisher's track (listener)
//   UNPUBLISHED <track sid>              the publisher unpublished its track, as asked by a data
//                                        message 'unpublish' on topic holdline-control (the listener
//                                        sends one to UNPUBLISH_REQUEST once all its results are out)
//   TRACK_UNPUBLISHED <identity> <sid>   a remote track went away (listener)
//   PARTICIPANT_DISCONNECTED <identity>  another participant left or vanished
//   CONNECT_FAILED <reason>              Room.connect threw (exit 3)
// Stops on SIGTERM/SIGINT or when stdin closes (so it never outlives the test JVM).
import { AudioFrame, AudioSource, AudioStream, LocalAudioTrack, Room, RoomEvent, TrackKind, TrackPublishOptions,
  TrackSource, dispose } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';

const say = (text) => process.stdout.write(`${text}\n`);
const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    process.stderr.write(`rtc-participant: environment variable ${name} is required\n`);
    process.exit(2);
  }
  return value;
};

const url = env('LIVEKIT_URL');
const roomName = env('ROOM');
const identity = env('IDENTITY');
const role = env('ROLE');
const peer = env('PEER', '');
const measureSeconds = Number(env('MEASURE_SECONDS', '10'));
const frequency = Number(env('FREQUENCY', '440'));
const settleAfterAll = env('SETTLE_AFTER_ALL', '0') === '1';
const settleMs = Number(env('SETTLE_MS', '1000'));
const unpublishRequest = env('UNPUBLISH_REQUEST', '');
const expected = new Map(env('EXPECT', peer ? `${peer}:440` : '').split(',').filter(Boolean)
  .map((entry) => [entry.split(':')[0], Number(entry.split(':')[1])]));

const SAMPLE_RATE = 48000;
const FRAME = 480; // 10 ms
const AMPLITUDE = 0.5; // of full scale: RMS of the sine is 0.5 / sqrt(2) = 0.354

async function token() {
  if (process.env.LIVEKIT_TOKEN) return process.env.LIVEKIT_TOKEN;
  const at = new AccessToken(env('LIVEKIT_API_KEY'), env('LIVEKIT_API_SECRET'), { identity, name: `${role} ${identity}`,
    ttl: '10m' });
  at.addGrant({ room: roomName, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true });
  return at.toJwt();
}

const room = new Room();
let stopping = false;
const stopped = new Promise((resolve) => {
  const stop = () => {
    stopping = true;
    resolve();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
});

room.on(RoomEvent.ParticipantDisconnected, (participant) => say(`PARTICIPANT_DISCONNECTED ${participant.identity}`));
room.on(RoomEvent.Disconnected, (reason) => say(`DISCONNECTED ${reason}`));

try {
  const started = performance.now();
  await room.connect(url, await token(), { autoSubscribe: true, dynacast: false });
  say(`JOINED ${JSON.stringify({ ms: Math.round(performance.now() - started), sid: room.localParticipant.sid })}`);
} catch (e) {
  say(`CONNECT_FAILED ${e instanceof Error ? e.message : e}`);
  await dispose();
  process.exit(3);
}

if (role === 'publisher') {
  await publish();
} else if (role === 'listener') {
  await listen();
} else {
  process.stderr.write(`rtc-participant: unknown ROLE ${role}\n`);
}
await stopped;
await room.disconnect();
await dispose();
process.exit(0);

async function publish() {
  // A short source queue keeps capture paced to real time instead of front-loading a second.
  const source = new AudioSource(SAMPLE_RATE, 1, 100);
  const track = LocalAudioTrack.createAudioTrack(`sine-${frequency}`, source);
  const publication = await room.localParticipant.publishTrack(track,
    new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
  say(`PUBLISHED ${publication.sid}`);
  let published = true;
  room.on(RoomEvent.DataReceived, (payload, participant, kind, topic) => {
    if (topic === 'holdline-control' && new TextDecoder().decode(payload) === 'unpublish' && published) {
      published = false;
      room.localParticipant.unpublishTrack(publication.sid)
        .then(() => say(`UNPUBLISHED ${publication.sid}`))
        .catch((e) => say(`UNPUBLISH_FAILED ${e}`));
    }
  });

  const sendData = async () => {
    const encoder = new TextEncoder();
    await room.localParticipant.publishData(encoder.encode(`hello ${peer} from ${identity}`),
      { reliable: true, topic: 'holdline-test', destination_identities: [peer] });
    await room.localParticipant.publishData(encoder.encode('not for you'),
      { reliable: true, topic: 'holdline-test', destination_identities: ['somebody-else'] });
    await room.localParticipant.publishData(encoder.encode(`broadcast from ${identity}`),
      { reliable: true, topic: 'holdline-broadcast' });
    say('DATA_SENT 3');
  };
  const peerPresent = () => [...room.remoteParticipants.values()].some((p) => p.identity === peer);
  let dataSent = false;
  const maybeSend = () => {
    if (!dataSent && peer && peerPresent()) {
      dataSent = true;
      // A moment for the peer's subscriber connection; the server holds data until its channel opens anyway.
      setTimeout(() => sendData().catch((e) => say(`DATA_FAILED ${e}`)), 500);
    }
  };
  room.on(RoomEvent.ParticipantConnected, maybeSend);
  maybeSend();

  let phase = 0;
  const step = (2 * Math.PI * frequency) / SAMPLE_RATE;
  while (!stopping && published) {
    const frame = AudioFrame.create(SAMPLE_RATE, 1, FRAME);
    for (let i = 0; i < FRAME; i++) {
      frame.data[i] = Math.round(Math.sin(phase) * AMPLITUDE * 32767);
      phase += step;
    }
    phase %= 2 * Math.PI;
    await source.captureFrame(frame);
  }
}

async function listen() {
  room.on(RoomEvent.DataReceived, (payload, participant, kind, topic) => {
    say(`DATA ${JSON.stringify({ from: participant?.identity ?? null, topic: topic ?? null,
      text: new TextDecoder().decode(payload) })}`);
  });
  room.on(RoomEvent.TrackUnpublished, (publication, participant) =>
    say(`TRACK_UNPUBLISHED ${participant.identity} ${publication.sid}`));
  const pending = new Set(expected.keys());
  let results = 0;
  const resultOut = async () => {
    results++;
    if (results === expected.size && unpublishRequest) {
      await room.localParticipant.publishData(new TextEncoder().encode('unpublish'),
        { reliable: true, topic: 'holdline-control', destination_identities: [unpublishRequest] });
    }
  };
  let allSubscribed;
  const everyoneIn = new Promise((resolve) => {
    allSubscribed = resolve;
  });
  room.on(RoomEvent.TrackSubscribed, (track, publication, participant) => {
    const tone = expected.get(participant.identity);
    if (track.kind === TrackKind.KIND_AUDIO && tone) {
      say(`SUBSCRIBED ${publication.sid} ${participant.identity}`);
      pending.delete(participant.identity);
      if (pending.size === 0) {
        // A moment for the last subscription's renegotiation to settle before measuring.
        setTimeout(allSubscribed, settleMs);
      }
      measure(new AudioStream(track, SAMPLE_RATE, 1), tone, settleAfterAll ? everyoneIn : null)
        .then((result) => {
          say(`RESULT ${JSON.stringify({ publisher: participant.identity, ...result })}`);
          return resultOut();
        })
        .catch((e) => say(`MEASURE_FAILED ${participant.identity} ${e}`));
    }
  });
}

/**
 * Waits for the sine to start (a frame with RMS above a third of the expected), then records
 * MEASURE_SECONDS of frames. A frame counts as missing when it is quiet (RMS below half the
 * sine's: silence, faded concealment) or when its phase does not continue the previous frame's
 * (more than 20 degrees off: a dropped or repeated frame, concealment, a glitch). The number of
 * frames received is also compared with wall-clock time (a stalled stream).
 */
async function measure(stream, tone, windowOpens) {
  const expectedRms = AMPLITUDE / Math.SQRT2;
  const samples = [];
  const loud = []; // per sample: whether its frame was loud (concealment noise must not count as tone)
  let frames = 0;
  let quietFrames = 0;
  let brokenFrames = 0; // loud, but not continuing the tone's phase
  let previousPhase = null;
  const omega = (2 * Math.PI * tone) / SAMPLE_RATE;
  const wrap = (a) => Math.atan2(Math.sin(a), Math.cos(a));
  let startedAt = 0;
  let firstSoundAfterMs = null;
  let heard = false;
  let windowOpen = false;
  let quietBeforeWindow = 0;
  windowOpens?.then(() => {
    windowOpen = true;
  });
  const subscribedAt = performance.now();
  for await (const frame of stream) {
    const data = frame.data;
    let sum = 0;
    for (let i = 0; i < data.length; i += frame.channels) {
      const v = data[i] / 32768;
      sum += v * v;
    }
    const rms = Math.sqrt(sum / (data.length / frame.channels));
    if (!heard) {
      if (rms < expectedRms / 3) continue;
      heard = true;
      firstSoundAfterMs = Math.round(performance.now() - subscribedAt);
      if (windowOpens === null) {
        setTimeout(() => {
          windowOpen = true;
        }, settleMs);
      }
    }
    if (!windowOpen) {
      if (rms < expectedRms / 2) quietBeforeWindow++;
      continue;
    }
    if (!startedAt) startedAt = performance.now();
    frames += (frame.samplesPerChannel / frame.sampleRate) / 0.01;
    const isLoud = rms >= expectedRms / 2;
    if (!isLoud) {
      quietFrames++;
      previousPhase = null;
    } else {
      let re = 0;
      let im = 0;
      for (let i = 0, n = 0; i < data.length; i += frame.channels, n++) {
        re += data[i] * Math.cos(omega * n);
        im += data[i] * Math.sin(omega * n);
      }
      const phase = Math.atan2(im, re);
      if (previousPhase !== null) {
        const drift = wrap(previousPhase - phase - omega * frame.samplesPerChannel);
        if (Math.abs(drift) > (20 * Math.PI) / 180) brokenFrames++;
      }
      previousPhase = phase;
    }
    for (let i = 0; i < data.length; i += frame.channels) {
      samples.push(data[i] / 32768);
      loud.push(isLoud);
    }
    if (performance.now() - startedAt >= measureSeconds * 1000) break;
    if (stopping) break;
  }
  const elapsedMs = performance.now() - startedAt;
  const expectedFrames = Math.round(elapsedMs / 10);
  const missingFrames = quietFrames + brokenFrames;

  let sum = 0;
  for (const v of samples) sum += v * v;
  const rms = Math.sqrt(sum / samples.length);

  // Rising zero crossings, interpolated, within each run of loud frames (a quiet frame ends a run).
  let cycles = 0;
  let span = 0;
  let first = null;
  let last = null;
  let runCrossings = 0;
  const endRun = () => {
    if (runCrossings > 1) {
      cycles += runCrossings - 1;
      span += last - first;
    }
    first = null;
    runCrossings = 0;
  };
  for (let i = 1; i < samples.length; i++) {
    if (!loud[i] || !loud[i - 1]) {
      endRun();
      continue;
    }
    if (samples[i - 1] < 0 && samples[i] >= 0) {
      const t = i - 1 + samples[i - 1] / (samples[i - 1] - samples[i]);
      if (first === null) first = t;
      last = t;
      runCrossings++;
    }
  }
  endRun();
  const zeroCrossingHz = span > 0 ? (cycles * SAMPLE_RATE) / span : 0;

  // The same per second of audio: a local event (a stall and the jitter buffer catching up)
  // shows in one window, while the median says what the tone was.
  const perSecondHz = [];
  for (let from = 0; from + SAMPLE_RATE <= samples.length; from += SAMPLE_RATE) {
    let c = 0;
    let f = null;
    let l = null;
    for (let i = from + 1; i < from + SAMPLE_RATE; i++) {
      if (loud[i] && loud[i - 1] && samples[i - 1] < 0 && samples[i] >= 0) {
        const t = i - 1 + samples[i - 1] / (samples[i - 1] - samples[i]);
        if (f === null) f = t;
        l = t;
        c++;
      }
    }
    if (c > 1) perSecondHz.push(Math.round(((c - 1) * SAMPLE_RATE * 100) / (l - f)) / 100);
  }
  const sorted = [...perSecondHz].sort((a, b) => a - b);
  const medianHz = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;

  // Goertzel power at the tone against tone ± 40 Hz: the tone must dominate its neighbours.
  const goertzel = (f) => {
    const k = (2 * Math.cos((2 * Math.PI * f) / SAMPLE_RATE));
    let s1 = 0;
    let s2 = 0;
    for (const v of samples) {
      const s0 = v + k * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.length * samples.length);
  };
  const pTone = goertzel(tone);
  const neighbour = Math.max(goertzel(tone - 40), goertzel(tone + 40));

  return {
    seconds: Math.round(elapsedMs) / 1000,
    framesReceived: Math.round(frames),
    framesExpected: expectedFrames,
    deliveryRatio: expectedFrames ? frames / expectedFrames : 0,
    quietFrames,
    brokenFrames,
    missingFrames,
    missingRatio: frames ? missingFrames / frames : 1,
    rms,
    expectedRms,
    zeroCrossingHz,
    medianHz,
    perSecondHz,
    expectedHz: tone,
    frequencyErrorHz: zeroCrossingHz - tone,
    goertzelToneOverNeighbours: neighbour > 0 ? pTone / neighbour : null,
    firstSoundAfterMs,
    quietFramesBeforeWindow: quietBeforeWindow,
  };
}
