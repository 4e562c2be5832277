import { Body, Controller, Headers, HttpCode, Post, UseGuards } from '@nestjs/common';
import { type ApiKeyPrincipal } from '@alem/access';
import { ApiKeyGuard, Lab } from './api-key.guard';
import { type EventsAccepted, type Hl7Accepted, ResultSubmissionService } from './result-submission.service';

/** Lab results over HTTP, for labs and engines that do not speak MLLP. */
@Controller('v1/results')
@UseGuards(ApiKeyGuard)
export class ResultController {
  constructor(private readonly submissions: ResultSubmissionService) {}

  /** 202 once Kafka acknowledged; 400/422 refused (with the reason), 401/403, 413, 415, 503 retry. */
  @Post()
  @HttpCode(202)
  submit(
    @Lab() lab: ApiKeyPrincipal,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
  ): Promise<Hl7Accepted | EventsAccepted> {
    return this.submissions.submit(lab, contentType, body);
  }
}
