import { describe, expect, it } from 'vitest';
import { serviceEnv, stackLayout } from './stack.layout';

const layout = (encoders: number, decomposers: number, port = 8080) =>
  stackLayout({
    root: '/repo',
    stackDir: '/repo/.stack',
    host: '127.0.0.1',
    port,
    grpcPort: 50051,
    encoders,
    decomposers,
  });

describe('stackLayout', () => {
  it("uses the services' own default ports for one of each", () => {
    const services = layout(1, 1);
    expect(services.map((s) => [s.name, s.port, s.grpcPort])).toEqual([
      ['ingest', 8080, undefined],
      ['encoder-1', 8081, undefined],
      ['decomposer-1', 8082, 50051],
      ['metrics', 8083, undefined],
    ]);
    expect(services[1]).toMatchObject({
      script: '/repo/apps/encoder/dist/main.js',
      readyUrl: 'http://127.0.0.1:8081/readyz',
      metricsUrl: 'http://127.0.0.1:8081/metrics',
      logFile: '/repo/.stack/logs/encoder-1.log',
    });
  });

  it('gives extra encoders and decomposers distinct HTTP and gRPC ports', () => {
    const services = layout(3, 2, 9000);
    expect(services.map((s) => [s.name, s.port, s.grpcPort])).toEqual([
      ['ingest', 9000, undefined],
      ['encoder-1', 9001, undefined],
      ['encoder-2', 9004, undefined],
      ['encoder-3', 9005, undefined],
      ['decomposer-1', 9002, 50051],
      ['decomposer-2', 9006, 50052],
      ['metrics', 9003, undefined],
    ]);
    expect(new Set(services.map((s) => s.port)).size).toBe(services.length);
  });
});

describe('serviceEnv', () => {
  it('gives the token to ingest, the decomposers and metrics, the model to encoders, the gRPC port to decomposers', () => {
    const [ingest, encoder, decomposer, metrics] = layout(1, 1);
    const common = { brokers: ['b1:9092', 'b2:9092'], token: 't0k', modelDir: '/m', device: 'cpu' };
    expect(serviceEnv(metrics, common)).toEqual({
      KAFKA_BROKERS: 'b1:9092,b2:9092',
      HOST: '127.0.0.1',
      PORT: '8083',
      INSTANCE_ID: 'metrics',
      METRICS_TOKEN: 't0k',
    });
    expect(serviceEnv(ingest, common)).toEqual({
      KAFKA_BROKERS: 'b1:9092,b2:9092',
      HOST: '127.0.0.1',
      PORT: '8080',
      INSTANCE_ID: 'ingest',
      INGEST_TOKEN: 't0k',
    });
    expect(serviceEnv(encoder, common)).toEqual({
      KAFKA_BROKERS: 'b1:9092,b2:9092',
      HOST: '127.0.0.1',
      PORT: '8081',
      INSTANCE_ID: 'encoder-1',
      MODEL_DIR: '/m',
      DEVICE: 'cpu',
    });
    expect(serviceEnv(decomposer, { brokers: ['b1:9092'], token: 't0k' })).toEqual({
      KAFKA_BROKERS: 'b1:9092',
      HOST: '127.0.0.1',
      PORT: '8082',
      INSTANCE_ID: 'decomposer-1',
      GRPC_PORT: '50051',
      DECOMPOSER_TOKEN: 't0k',
    });
  });

  it('gives the concept space to decomposers only, and the model to encoders only', () => {
    const [ingest, encoder, decomposer] = layout(1, 1);
    const common = { brokers: ['b1:9092'], token: 't0k', modelDir: '/m', conceptSpace: '/spaces/0123456789abcdef' };
    expect(serviceEnv(decomposer, common)).toEqual({
      KAFKA_BROKERS: 'b1:9092',
      HOST: '127.0.0.1',
      PORT: '8082',
      INSTANCE_ID: 'decomposer-1',
      GRPC_PORT: '50051',
      DECOMPOSER_TOKEN: 't0k',
      CONCEPT_SPACE: '/spaces/0123456789abcdef',
    });
    expect(serviceEnv(encoder, common)).toMatchObject({ MODEL_DIR: '/m' });
    expect(serviceEnv(encoder, common).CONCEPT_SPACE).toBeUndefined();
    expect(serviceEnv(ingest, common).CONCEPT_SPACE).toBeUndefined();
  });
});
