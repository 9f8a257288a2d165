import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { startService } from '@audio-concepts/platform-runtime';
import { AppModule } from './app.module';
import { trainerConfig } from './config';

async function main(): Promise<void> {
  const config = trainerConfig();
  await startService(AppModule.forRoot(config), { name: 'trainer', host: config.host, port: config.port });
  new Logger('trainer').log(
    `training data from ${config.dataDir}; heads kept in ${config.headsDir} and published on ${config.headsTopic}`,
  );
}

main().catch((error: unknown) => {
  new ConsoleLogger('trainer', { json: true }).fatal(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
