import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { startService } from '@audio-concepts/platform-runtime';
import { AppModule } from './app.module';
import { decomposerConfig } from './config';

async function main(): Promise<void> {
  const config = decomposerConfig();
  await startService(AppModule.forRoot(config), { name: 'decomposer', host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  new ConsoleLogger('decomposer', { json: true }).fatal(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
