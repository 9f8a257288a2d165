import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { presentedToken, tokenMatches } from '@audio-concepts/platform-runtime';
import { HeadJobs, headJobJson } from '@audio-concepts/trainer-service';
import { TRAINER_CONFIG, type TrainerConfig } from './config';
import { UnauthorizedError } from './trainer-error.filter';

/**
 * `POST /v1/heads` (a training job: 202 with the job), `GET /v1/heads/{id}` (a job by its id, or a trained head by
 * its head id: status, epoch, metrics, head_id), `POST /v1/heads/{id}/activate` with `{"stream_group"}` (the head
 * goes live for that group of its concept space; an older id rolls back; "none" with `concept_space_id` removes the
 * head). Every route wants `Authorization: Bearer <TRAINER_TOKEN>`.
 */
@Controller('v1/heads')
export class HeadsController {
  constructor(
    @Inject(HeadJobs) private readonly jobs: HeadJobs,
    @Inject(TRAINER_CONFIG) private readonly config: TrainerConfig,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  submit(@Req() request: Request, @Body() body: unknown): Record<string, unknown> {
    this.admit(request);
    return headJobJson(this.jobs.submit(body));
  }

  @Get(':id')
  async get(@Req() request: Request, @Param('id') id: string): Promise<Record<string, unknown>> {
    this.admit(request);
    return headJobJson(await this.jobs.get(id));
  }

  @Post(':id/activate')
  @HttpCode(HttpStatus.OK)
  async activate(
    @Req() request: Request,
    @Param('id') id: string,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<Record<string, unknown>> {
    this.admit(request);
    const live = await this.jobs.activate(id, body?.['stream_group'], body?.['concept_space_id']);
    return { head_id: live.headId, concept_space_id: live.conceptSpaceId, stream_group: live.group };
  }

  private admit(request: Request): void {
    const { token } = this.config;
    if (token === undefined) return;
    const given = presentedToken({ authorization: request.headers.authorization });
    if (!tokenMatches(given, token))
      throw new UnauthorizedError(
        given === undefined
          ? 'missing bearer token: send "Authorization: Bearer <token>"'
          : 'the bearer token is not valid',
      );
  }
}
