import { describe, expect, it } from 'vitest';
import { encoderCpus, extraEncoders, serviceEnv, stackLayout } from './stack.layout';

const BASE = { root: '/repo', stackDir: '/repo/.stack', host: '127.0.0.1', port: 8080, grpcPort: 50051 };

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

describe('encoder pinning and scaling', () => {
  it('pins encoder i to the i-th run of K cores, wrapping around the machine when there are more encoders', () => {
    expect([1, 2, 3].map((i) => encoderCpus(i, 1, 2))).toEqual(['0', '1', '0']);
    expect([1, 2, 3].map((i) => encoderCpus(i, 2, 8))).toEqual(['0-1', '2-3', '4-5']);
    expect(encoderCpus(2, 3, 4)).toBe('3,0,1');
    expect(encoderCpus(1, 4, 2)).toBe('0-1'); // asked for more cores than there are: all of them
    const services = stackLayout({ ...BASE, encoders: 2, decomposers: 1, encoderCores: 1, cores: 2 });
    expect(services.map((s) => [s.name, s.cpus])).toEqual([
      ['ingest', undefined],
      ['encoder-1', '0'],
      ['encoder-2', '1'],
      ['decomposer-1', undefined],
      ['metrics', undefined],
    ]);
  });

  it('adds the missing encoders of a running stack on the ports after the highest one in use', () => {
    const running = layout(2, 2, 9000); // up to port 9005
    const added = extraEncoders(running, 4, { ...BASE, encoderCores: 2, cores: 8 });
    expect(added.map((s) => [s.name, s.port, s.cpus, s.readyUrl])).toEqual([
      ['encoder-3', 9006, '4-5', 'http://127.0.0.1:9006/readyz'],
      ['encoder-4', 9007, '6-7', 'http://127.0.0.1:9007/readyz'],
    ]);
    expect(added[0]).toMatchObject({ kind: 'encoder', logFile: '/repo/.stack/logs/encoder-3.log' });
    expect(extraEncoders(running, 2, BASE)).toEqual([]);
  });

  it('gives a pinned encoder as many onnxruntime threads as it has cores', () => {
    const encoder = layout(1, 1)[1];
    expect(serviceEnv(encoder, { brokers: ['b:9092'], token: 't', encoderCores: 2 }).ENCODER_THREADS).toBe('2');
    expect(serviceEnv(encoder, { brokers: ['b:9092'], token: 't' }).ENCODER_THREADS).toBeUndefined();
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
