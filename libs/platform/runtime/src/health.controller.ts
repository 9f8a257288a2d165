import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Readiness } from './readiness';

@Controller()
export class HealthController {
  constructor(@Inject(Readiness) private readonly readiness: Readiness) {}

  /** Liveness: the process runs and its event loop answers. */
  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: 200 when every check passes, else 503 with the reasons. */
  @Get('readyz')
  readyz(@Res() response: Response): void {
    const problems = this.readiness.problems();
    response
      .status(problems.length === 0 ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
      .json(problems.length === 0 ? { status: 'ready' } : { status: 'not ready', problems });
  }
}
