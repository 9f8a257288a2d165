import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { startService } from '@audio-concepts/platform-runtime';
import { AppModule } from './app.module';
import { metricsConfig } from './config';

async function main(): Promise<void> {
  const config = metricsConfig();
  await startService(AppModule.forRoot(config), { name: 'metrics', host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  new ConsoleLogger('metrics', { json: true }).fatal(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
