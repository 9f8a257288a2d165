import 'reflect-metadata';
import { ConsoleLogger, type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EnvReader } from './env.reader';

type EntryModule = Parameters<typeof NestFactory.create>[0];

export interface StartServiceOptions {
  name: string;
  host: string;
  port: number;
  /** log levels; default log, warn, error, fatal (add 'debug' with LOG_LEVEL=debug) */
  logLevels?: LogLevel[];
  /** called with the app before it listens (e.g. to attach a WebSocket server to its HTTP server) */
  beforeListen?: (app: INestApplication) => void | Promise<void>;
  /** parse JSON and form bodies (default true); false for services that stream request bodies themselves */
  bodyParser?: boolean;
  /** where TLS_CERT_FILE and TLS_KEY_FILE are read (default process.env) */
  env?: NodeJS.ProcessEnv;
}

/**
 * The HTTP server's certificate and key (PEM) from TLS_CERT_FILE and TLS_KEY_FILE: both or neither (plain HTTP).
 * Throws a `ConfigError` naming a file that is missing or cannot be read.
 */
export function httpsOptionsFromEnv(env: NodeJS.ProcessEnv): { cert: Buffer; key: Buffer } | undefined {
  const read = new EnvReader(env);
  const pair = read.filePair('TLS_CERT_FILE', 'TLS_KEY_FILE');
  read.check();
  return pair && { cert: pair[0], key: pair[1] };
}

/**
 * Creates and starts a NestJS service: JSON log lines on stdout, graceful shutdown on SIGTERM/SIGINT
 * (the modules' `onModuleDestroy`/`beforeApplicationShutdown` hooks flush and commit), HTTP on host:port — HTTPS
 * only when TLS_CERT_FILE and TLS_KEY_FILE are set (WebSockets attached to its server are then wss:).
 * Prints one line `{"msg":"listening",…}` once it listens; readiness is `/readyz`.
 */
export async function startService(module: EntryModule, options: StartServiceOptions): Promise<INestApplication> {
  const httpsOptions = httpsOptionsFromEnv(options.env ?? process.env);
  const logger = new ConsoleLogger(options.name, {
    json: true,
    logLevels:
      options.logLevels ??
      (process.env.LOG_LEVEL === 'debug'
        ? ['debug', 'log', 'warn', 'error', 'fatal']
        : ['log', 'warn', 'error', 'fatal']),
  });
  const app = await NestFactory.create(module, {
    logger,
    abortOnError: false,
    bodyParser: options.bodyParser ?? true,
    ...(httpsOptions ? { httpsOptions } : {}),
  });
  app.enableShutdownHooks();
  await options.beforeListen?.(app);
  await app.listen(options.port, options.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.log(`listening on ${httpsOptions ? 'https' : 'http'}://${options.host}:${port}`);
  return app;
}
