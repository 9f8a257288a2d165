import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The trainer's metric names (DESIGN §5: audio_concepts_<service>_<what>_<unit>). */
export const TRAINER_METRICS = {
  jobs: 'audio_concepts_trainer_jobs_total',
  queued: 'audio_concepts_trainer_jobs_queued',
  duration: 'audio_concepts_trainer_job_duration_seconds',
  activations: 'audio_concepts_trainer_activations_total',
} as const;

/** The trainer's Prometheus metrics, registered on the service's registry. */
export class TrainerMetrics {
  private readonly jobs: Counter<'status'>;
  private readonly queued: Gauge;
  private readonly duration: Histogram;
  private readonly activations: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.jobs = new Counter({
      name: TRAINER_METRICS.jobs,
      help: 'training jobs ended, by status (done, failed)',
      labelNames: ['status'],
      registers,
    });
    this.queued = new Gauge({ name: TRAINER_METRICS.queued, help: 'training jobs waiting or running', registers });
    this.duration = new Histogram({
      name: TRAINER_METRICS.duration,
      help: 'time from a job starting to train to its head being published (or its failure)',
      buckets: [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.activations = new Counter({
      name: TRAINER_METRICS.activations,
      help: 'activations published (a head, or none, made live for a stream group)',
      registers,
    });
  }

  jobQueued(): void {
    this.queued.inc();
  }

  jobEnded(status: 'done' | 'failed', seconds: number): void {
    this.queued.dec();
    this.jobs.inc({ status });
    this.duration.observe(seconds);
  }

  activated(): void {
    this.activations.inc();
  }
}
