import type { DriftFrame, OfflineDriftReport } from '@audio-concepts/metrics-drift';

/** The report for a reader: the verdict, where the change begins, the changed concepts and the signals. */
export function driftText(report: OfflineDriftReport, current: readonly DriftFrame[]): string {
  const lines: string[] = [];
  const verdict = report.drift
    ? `yes: statistic ${fixed(report.statistic)} > threshold ${fixed(report.threshold)}`
    : `no: statistic ${fixed(report.statistic)} ≤ threshold ${fixed(report.threshold)}`;
  lines.push(
    `drift: ${verdict} (alpha ${report.alpha}; reference ${report.nReference} frames, current ${report.nCurrent})`,
  );
  if (report.changeIndex !== null) {
    const f = current[report.changeIndex];
    lines.push(
      `change begins at current frame ${report.changeIndex}: ${f.streamId} window ${f.windowSeq} (${clock(f.startMs)})`,
    );
  }
  if (report.changed.length > 0) {
    lines.push('changed concepts, most significant first (reference → current):');
    const width = Math.max(...report.changed.map((c) => c.label.length));
    for (const c of report.changed)
      lines.push(
        `  ${c.label.padEnd(width)}  rate ${fixed(c.referenceRate)} → ${fixed(c.currentRate)}` +
          `  mass ${fixed(c.referenceMass)} → ${fixed(c.currentMass)}  q ${c.q.toPrecision(2)}`,
      );
  } else lines.push('changed concepts: none at this alpha');
  for (const s of report.signals)
    lines.push(
      `${s.name.padEnd(7)} ${fixed(s.referenceMean)} → ${fixed(s.currentMean)}  q ${s.q.toPrecision(2)}` +
        (s.changed ? '  changed' : ''),
    );
  const m = report.method;
  lines.push(
    `(bootstrap: ${m.replicates} replicates, blocks of ${m.block} frames; variance from batches of ${m.batch}; ` +
      `largest autocorrelation time of the reference ${fixed(m.autocorrelationTime)} frames)`,
  );
  return lines.join('\n') + '\n';
}

function fixed(x: number): string {
  return x.toFixed(3);
}

function clock(ms: number): string {
  const s = ms / 1000;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = (s % 60).toFixed(1).padStart(4, '0');
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${sec}`;
}
