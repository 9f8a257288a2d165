import { Logger } from '@nestjs/common';
import { logLevel, type logCreator } from 'kafkajs';

/** Sends kafkajs's log lines through Nest's logger, so that they come out as JSON lines like the rest. */
export const kafkaLogCreator: logCreator = () => {
  const logger = new Logger('kafka');
  return ({ namespace, level, log }) => {
    const { message, error } = log as { message: string; error?: string };
    const text = `${namespace}: ${message}${error ? ` (${error})` : ''}`;
    // Our idempotent producer limits its retries on purpose and replaces itself after a failed send
    // (IngestProducer), which is what keeps the guarantee kafkajs warns about at every start.
    if (message.startsWith('Limiting retries for the idempotent producer')) logger.debug(text);
    else if (level <= logLevel.ERROR) logger.error(text);
    else if (level === logLevel.WARN) logger.warn(text);
    else logger.debug(text);
  };
};
