import { Module, type DynamicModule } from '@nestjs/common';
import { LiveAssets } from './live.assets';
import { LiveBroadcaster } from './live.broadcaster';
import { LiveController } from './live.controller';
import { LiveGate } from './live.gate';
import { LIVE_OPTIONS, type LiveModuleOptions } from './live.options';
import { LiveView } from './live.view';

/**
 * The live page in a NestJS app: `imports: [LiveModule.forRoot({ view, token })]`, then feed `view`
 * (`addFrame`, `setDrift`, `addDriftEvent`). Routes: `GET /live`, `/live/state`, `/live/events`, `/live/assets/*`.
 */
@Module({})
export class LiveModule {
  static forRoot(options: LiveModuleOptions): DynamicModule {
    return {
      module: LiveModule,
      controllers: [LiveController],
      providers: [
        { provide: LIVE_OPTIONS, useValue: options },
        { provide: LiveView, useValue: options.view },
        { provide: LiveGate, useValue: new LiveGate(options.token) },
        { provide: LiveAssets, useValue: new LiveAssets() },
        LiveBroadcaster,
      ],
    };
  }
}
