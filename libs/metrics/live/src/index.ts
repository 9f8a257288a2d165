export { OTHER_CONCEPT } from './concept-timeline';
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
