import type { Logger } from '@nestjs/common';

/**
 * A failure the service cannot run without (the model does not load, the gRPC port is taken): log it and exit 1,
 * so that the supervisor restarts it or shows the error. Kafka offsets are only committed after output, so
 * exiting mid-batch loses nothing.
 */
export function failFast(logger: Logger, message: string): never {
  logger.fatal(message);
  process.exit(1);
}
