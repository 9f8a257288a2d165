/**
 * Audio for the benchmarks that drive the stack: WAV files of any length made of the demo audio (examples/audio,
 * looped), and their upload to ingest, at once or paced at real time.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const SAMPLE_RATE = 48_000;

/** 16-bit mono 48 kHz PCM of the demo files, concatenated (each stream starts at another file). */
export function demoPcm(): Int16Array[] {
  const dir = join(ROOT, 'examples', 'audio');
  if (!existsSync(dir)) throw new Error(`${dir} is missing; run \`npm run build\` (it makes the demo audio)`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wav'))
    .sort()
    .map((f) => wavPcm(join(dir, f)));
}

function wavPcm(file: string): Int16Array {
  const bytes = readFileSync(file);
  let at = 12;
  let format: { channels: number; rate: number; bits: number } | undefined;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'fmt ')
      format = {
        channels: bytes.readUInt16LE(at + 10),
        rate: bytes.readUInt32LE(at + 12),
        bits: bytes.readUInt16LE(at + 22),
      };
    if (id === 'data') {
      if (!format || format.channels !== 1 || format.rate !== SAMPLE_RATE || format.bits !== 16)
        throw new Error(`${file}: expected 16-bit mono ${SAMPLE_RATE} Hz WAV`);
      const data = bytes.subarray(at + 8, at + 8 + size);
      return new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    }
    at += 8 + size + (size % 2);
  }
  throw new Error(`${file}: no data chunk`);
}

/** A WAV file of `seconds` of demo audio, looped, starting with file `first`. */
export function streamWav(clips: Int16Array[], first: number, seconds: number): Buffer {
  const samples = Math.round(seconds * SAMPLE_RATE);
  const pcm = new Int16Array(samples);
  for (let filled = 0, k = first; filled < samples; k++) {
    const clip = clips[k % clips.length];
    const n = Math.min(clip.length, samples - filled);
    pcm.set(clip.subarray(0, n), filled);
    filled += n;
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.byteLength, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.byteLength, 40);
  return Buffer.concat([header, Buffer.from(pcm.buffer)]);
}

/** The body of a real-time upload: the header at once, then the audio at the pace it would be heard. */
function pacedBody(wav: Buffer): ReadableStream<Uint8Array> {
  const bytesPerSecond = SAMPLE_RATE * 2;
  const chunk = bytesPerSecond / 10;
  let sent = 0;
  const started = Date.now();
  return new ReadableStream({
    async pull(controller) {
      if (sent >= wav.length) return controller.close();
      const due = started + (Math.max(0, sent - 44) / bytesPerSecond) * 1000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const end = sent === 0 ? 44 + chunk : Math.min(wav.length, sent + chunk);
      controller.enqueue(wav.subarray(sent, end));
      sent = end;
    },
  });
}

export async function upload(ingestUrl: string, token: string, stream: string, wav: Buffer, realtime: boolean): Promise<void> {
  const response = await fetch(`${ingestUrl}/v1/streams/${encodeURIComponent(stream)}/audio`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'audio/wav' },
    body: realtime ? pacedBody(wav) : wav,
    ...(realtime ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${stream}: HTTP ${response.status} ${text.slice(0, 200)}`);
}

