import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestMetrics } from './ingest.metrics';
import { PullSourceRunner } from './pull-source.runner';
import { StreamIngestService } from './stream-ingest.service';
import { StreamRegistry } from './stream.registry';
import { InMemoryWindowSink } from './testing';
import { waitFor as pollUntil } from '@audio-concepts/platform-kafka/testing';

/** Test-only restart delays (STYLE §6: named and passed in, never switched on inside the lib). */
const FAST_BACKOFF = { initialMs: 20, maxMs: 80 };
const waitFor = (check: () => boolean) => pollUntil(check, 'the condition', 20_000, 20);

function newRunner(sources: { stream: string; input: string; restart: boolean }[]) {
  const sink = new InMemoryWindowSink();
  const registry = new Registry();
  const metrics = new IngestMetrics(registry);
  const service = new StreamIngestService(sink, new StreamRegistry(), metrics, { windowS: 10, hopS: 10 });
  const lines: string[] = [];
  const log = { log: (m: string) => lines.push(`log ${m}`), warn: (m: string) => lines.push(`warn ${m}`) };
  const sut = new PullSourceRunner(service, metrics, sources, log, { backoff: FAST_BACKOFF });
  return { sut, mocks: { sink, registry, lines } };
}

describe.skipIf(!HAS_FFMPEG)('PullSourceRunner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pull-runner-'));
  const file = makeAudio(lavfiCommand(join(dir, 'a.wav'), 'sine=frequency=220', 12));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file source again when it ends, going on with the sequence numbers', async () => {
    const { sut, mocks } = newRunner([{ stream: 'file-1', input: file, restart: true }]);
    sut.start();
    await waitFor(() => mocks.sink.windows.length >= 6);
    await sut.stop();
    const windows = mocks.sink.windows;
    expect(windows.slice(0, 6).map((w) => [w.streamId, w.windowSeq, w.durationMs])).toEqual([
      ['file-1', 0, 10_000],
      ['file-1', 1, 2_000],
      ['file-1', 2, 10_000],
      ['file-1', 3, 2_000],
      ['file-1', 4, 10_000],
      ['file-1', 5, 2_000],
    ]);
    expect(windows[2].startMs).toBe(12_000);
    expect(mocks.lines).toContain('log source file-1 ended: 2 windows (seq 0–1), 12.0 s of audio');
    const metrics = await mocks.registry.metrics();
    expect(metrics).toContain('audio_concepts_ingest_sources_configured 1');
    expect(metrics).toMatch(/audio_concepts_ingest_source_restarts_total [2-9]/);
    expect(metrics).toContain('audio_concepts_ingest_sources_running 0');
  });

  it('reads a source once with restart false', async () => {
    const { sut, mocks } = newRunner([{ stream: 'once', input: file, restart: false }]);
    sut.start();
    await waitFor(() => mocks.lines.some((l) => l.startsWith('log source once ended')));
    await sut.stop();
    expect(mocks.sink.windows.map((w) => w.windowSeq)).toEqual([0, 1]);
  });

  it('logs failures and keeps trying', async () => {
    const { sut, mocks } = newRunner([{ stream: 'gone', input: join(dir, 'missing.wav'), restart: true }]);
    sut.start();
    await waitFor(() => mocks.lines.filter((l) => l.startsWith('warn')).length >= 2);
    await sut.stop();
    expect(mocks.lines[0]).toBe(`warn source gone failed: ${join(dir, 'missing.wav')}: no such file`);
    expect(await mocks.registry.metrics()).toMatch(/audio_concepts_ingest_source_failures_total [2-9]/);
  });
});
