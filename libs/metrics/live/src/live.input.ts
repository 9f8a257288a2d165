import { InvalidInputError } from '@audio-concepts/shared-errors';
import type { LiveDrift, LiveDriftEvent, LiveFrame } from './live.types';

/* Checks of what is fed to the view: one bad frame must fail loudly, naming the field, not poison the page. */

export function checkFrame(frame: LiveFrame): void {
  const where = `live frame of stream ${JSON.stringify(frame?.streamId)}`;
  name(frame.streamId, 'streamId', where);
  name(frame.streamGroup, 'streamGroup', where);
  count(frame.windowSeq, 'windowSeq', where);
  count(frame.startMs, 'startMs', where);
  count(frame.durationMs, 'durationMs', where);
  finite(frame.cosine, 'cosine', where);
  count(frame.l0, 'l0', where);
  if (frame.fit !== undefined) finite(frame.fit, 'fit', where);
  finite(frame.seenAtMs, 'seenAtMs', where);
  if (!Array.isArray(frame.concepts)) throw new InvalidInputError(`${where}: concepts must be an array`);
  for (const [i, concept] of frame.concepts.entries()) {
    name(concept?.label, `concepts[${i}].label`, where);
    if (!(Number.isFinite(concept.weight) && concept.weight >= 0))
      throw new InvalidInputError(
        `${where}: weight of concept ${JSON.stringify(concept.label)} is ${concept.weight} (must be a finite number ≥ 0)`,
      );
  }
}

export function checkDrift(drift: LiveDrift): void {
  const where = `live drift of group ${JSON.stringify(drift?.streamGroup)}`;
  name(drift.streamGroup, 'streamGroup', where);
  if (drift.phase !== 'collecting' && drift.phase !== 'watching')
    throw new InvalidInputError(`${where}: phase is ${JSON.stringify(drift.phase)} (must be collecting or watching)`);
  count(drift.referenceFrames, 'referenceFrames', where);
  count(drift.referenceTarget, 'referenceTarget', where);
  if (drift.statistic !== null) finite(drift.statistic, 'statistic', where);
  if (drift.threshold !== null) finite(drift.threshold, 'threshold', where);
  finite(drift.falseAlarmsPerDay, 'falseAlarmsPerDay', where);
}

export function checkDriftEvent(event: LiveDriftEvent): void {
  const where = `live drift event of group ${JSON.stringify(event?.streamGroup)}`;
  name(event.streamGroup, 'streamGroup', where);
  if (event.kind !== 'alarm' && event.kind !== 'recovery')
    throw new InvalidInputError(`${where}: kind is ${JSON.stringify(event.kind)} (must be alarm or recovery)`);
  finite(event.atMs, 'atMs', where);
  finite(event.statistic, 'statistic', where);
  finite(event.threshold, 'threshold', where);
  if (!Array.isArray(event.changed)) throw new InvalidInputError(`${where}: changed must be an array`);
  if (!Array.isArray(event.signals)) throw new InvalidInputError(`${where}: signals must be an array`);
}

function name(value: unknown, field: string, where: string): void {
  if (typeof value !== 'string' || value === '')
    throw new InvalidInputError(`${where}: ${field} must be a non-empty string, got ${JSON.stringify(value)}`);
}

function finite(value: unknown, field: string, where: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new InvalidInputError(`${where}: ${field} must be a finite number, got ${String(value)}`);
}

function count(value: unknown, field: string, where: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new InvalidInputError(`${where}: ${field} must be an integer ≥ 0, got ${String(value)}`);
}
