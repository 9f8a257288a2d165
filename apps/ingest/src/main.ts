import { errorMessage } from '@audio-concepts/shared-errors';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConsoleLogger } from '@nestjs/common';
import { startService } from '@audio-concepts/platform-runtime';
import { AppModule } from './app.module';
import { ingestConfig } from './config';
import { IngestWebSocket } from './ingest.websocket';

/** Uploads may be long (up to INGEST_MAX_UPLOAD_BYTES at the client's pace): Node's 5-minute default would cut them. */
const REQUEST_TIMEOUT_MS = 60 * 60 * 1000;

async function main(): Promise<void> {
  const config = ingestConfig();
  await startService(AppModule.forRoot(config), {
    name: 'ingest',
    host: config.host,
    port: config.port,
    // Audio bodies are streamed to the decoder; a body parser would consume (and limit) them first.
    bodyParser: false,
    beforeListen: (app) => {
      const server = app.getHttpServer();
      server.requestTimeout = REQUEST_TIMEOUT_MS;
      // Node answers `Expect: 100-continue` itself unless told otherwise; the upload route does it once it
      // has accepted the upload, so that a refused client (401, 413, 409, …) never sends its body.
      server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) =>
        server.emit('request', request, response),
      );
      app.get(IngestWebSocket).attach(server);
    },
  });
}

main().catch((error: unknown) => {
  new ConsoleLogger('ingest', { json: true }).fatal(errorMessage(error));
  process.exit(1);
});
