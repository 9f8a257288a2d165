import 'reflect-metadata';
import { ConsoleLogger, type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

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
}

/**
 * Creates and starts a NestJS service: JSON log lines on stdout, graceful shutdown on SIGTERM/SIGINT
 * (the modules' `onModuleDestroy`/`beforeApplicationShutdown` hooks flush and commit), HTTP on host:port.
 * Prints one line `{"msg":"listening",…}` once it listens; readiness is `/readyz`.
 */
export async function startService(module: EntryModule, options: StartServiceOptions): Promise<INestApplication> {
  const logger = new ConsoleLogger(options.name, {
    json: true,
    logLevels:
      options.logLevels ??
      (process.env.LOG_LEVEL === 'debug'
        ? ['debug', 'log', 'warn', 'error', 'fatal']
        : ['log', 'warn', 'error', 'fatal']),
  });
  const app = await NestFactory.create(module, { logger, abortOnError: false, bodyParser: options.bodyParser ?? true });
  app.enableShutdownHooks();
  await options.beforeListen?.(app);
  await app.listen(options.port, options.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.log(`listening on http://${options.host}:${port}`);
  return app;
}
