import type { ConceptFrame } from '@audio-concepts/shared-contracts';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The decomposer's metric names (DESIGN §5: audio_concepts_<service>_<what>_<unit>; no stream ids as labels). */
export const DECOMPOSER_METRICS = {
  frames: 'audio_concepts_decomposer_frames_total',
  rejected: 'audio_concepts_decomposer_rejected_embeddings_total',
  decomposeDuration: 'audio_concepts_decomposer_decompose_duration_seconds',
  l0: 'audio_concepts_decomposer_frame_l0',
  grpcRequests: 'audio_concepts_decomposer_grpc_requests_total',
  grpcDuration: 'audio_concepts_decomposer_grpc_request_duration_seconds',
  heads: 'audio_concepts_decomposer_heads',
  headsRefused: 'audio_concepts_decomposer_heads_refused_total',
  liveHead: 'audio_concepts_decomposer_live_head_info',
} as const;

/** Which transport asked for a decomposition: the `transport` label. */
export type DecomposerTransport = 'kafka' | 'grpc';

/** 1 ms to 10 s, for Kafka micro-batches and gRPC requests alike. */
const DURATION_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The decomposer's Prometheus metrics, registered on the service's registry. */
export class DecomposerMetrics {
  private readonly frames: Counter<'transport'>;
  private readonly rejected: Counter<'transport' | 'error'>;
  private readonly decomposeDuration: Histogram<'transport'>;
  private readonly l0: Histogram;
  private readonly grpcRequests: Counter<'method' | 'code'>;
  private readonly grpcDuration: Histogram<'method'>;
  private readonly heads: Gauge;
  private readonly headsRefused: Counter<'record'>;
  private readonly liveHead: Gauge<'group' | 'head_id'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.frames = new Counter({
      name: DECOMPOSER_METRICS.frames,
      help: 'concept frames produced',
      labelNames: ['transport'],
      registers,
    });
    this.rejected = new Counter({
      name: DECOMPOSER_METRICS.rejected,
      help: 'embeddings that could not be decomposed (wrong dimension, non-finite, zero), by error class',
      labelNames: ['transport', 'error'],
      registers,
    });
    this.decomposeDuration = new Histogram({
      name: DECOMPOSER_METRICS.decomposeDuration,
      help: 'time to decompose one batch of embeddings',
      labelNames: ['transport'],
      buckets: DURATION_BUCKETS_S,
      registers,
    });
    this.l0 = new Histogram({
      name: DECOMPOSER_METRICS.l0,
      help: 'non-zero concepts per frame',
      buckets: [0, 1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    });
    this.grpcRequests = new Counter({
      name: DECOMPOSER_METRICS.grpcRequests,
      help: 'gRPC requests by method and status code',
      labelNames: ['method', 'code'],
      registers,
    });
    this.grpcDuration = new Histogram({
      name: DECOMPOSER_METRICS.grpcDuration,
      help: 'gRPC request handling time',
      labelNames: ['method'],
      buckets: DURATION_BUCKETS_S,
      registers,
    });
    this.heads = new Gauge({
      name: DECOMPOSER_METRICS.heads,
      help: 'projection heads known (learnt from control.heads.v1)',
      registers,
    });
    this.headsRefused = new Counter({
      name: DECOMPOSER_METRICS.headsRefused,
      help: 'control.heads.v1 records refused (record: head, activation, undecodable); the live heads stay as they were',
      labelNames: ['record'],
      registers,
    });
    this.liveHead = new Gauge({
      name: DECOMPOSER_METRICS.liveHead,
      help: 'the projection head live for a group (STREAM_GROUPS), as 1; a group without a head has no series',
      labelNames: ['group', 'head_id'],
      registers,
    });
  }

  observeHeads(count: number): void {
    this.heads.set(count);
  }

  observeHeadRefused(record: 'head' | 'activation' | 'undecodable'): void {
    this.headsRefused.inc({ record });
  }

  /** A group's live head changed from `before` to `after` ("" = none). */
  observeLiveHead(group: string, before: string, after: string): void {
    if (before !== '') this.liveHead.remove({ group, head_id: before });
    if (after !== '') this.liveHead.set({ group, head_id: after }, 1);
  }

  /** One decomposed batch: its duration, its frames (counted, l0 observed) and its rejected embeddings. */
  observeBatch(transport: DecomposerTransport, seconds: number, results: readonly (ConceptFrame | Error)[]): void {
    this.decomposeDuration.observe({ transport }, seconds);
    for (const result of results) {
      if (result instanceof Error) this.rejected.inc({ transport, error: result.name });
      else {
        this.frames.inc({ transport });
        this.l0.observe(result.l0);
      }
    }
  }

  /** One finished gRPC call: `code` is the status name (OK, INVALID_ARGUMENT, …). */
  observeGrpcCall(method: string, code: string, seconds: number): void {
    this.grpcRequests.inc({ method, code });
    this.grpcDuration.observe({ method }, seconds);
  }
}
