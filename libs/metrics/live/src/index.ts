export { OTHER_CONCEPT } from './concept-timeline';
export { LIVE_ASSETS_DIR } from './live.assets';
export { LiveModule } from './live.module';
export type { LiveModuleOptions } from './live.options';
export type {
  LiveConcept,
  LiveDrift,
  LiveDriftEvent,
  LiveDriftPoint,
  LiveFrame,
  LiveGroupSnapshot,
  LiveSnapshot,
  LiveStreamSnapshot,
  LiveTimeline,
} from './live.types';
export { LiveView, type LiveViewOptions } from './live.view';
