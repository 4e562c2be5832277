import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { Actor, type RequestActor } from '../common/request-actor';
import {
  AcknowledgeByLinkDto,
  AcknowledgementDto,
  AcknowledgementTokenParams,
  ReadBackDto,
} from './acknowledgement.dto';
import { AcknowledgementService } from './acknowledgement.service';

/**
 * Where the link in an alert message leads (signed, single use, expiring; sign-in still required). Admins are
 * allowed because the last escalation tier (the site's safety officers, or the admins) must be able to close
 * the loop too.
 */
@ApiTags('acknowledgements')
@Controller('acknowledgements')
@Roles('clinician', 'admin')
export class AcknowledgementController {
  constructor(private readonly acknowledgements: AcknowledgementService) {}

  @Get(':token')
  @ApiOperation({
    summary: 'Read-back before acknowledging: which patient, test and value the alert is about (audited)',
  })
  @ApiOkResponse({ type: ReadBackDto })
  @ApiForbiddenResponse({ description: 'The signed-in person may not see this patient' })
  @ApiNotFoundResponse({ description: 'No such link (or a forged one)' })
  @ApiGoneResponse({ description: 'The link has expired' })
  readBack(@Actor() actor: RequestActor, @Param() params: AcknowledgementTokenParams) {
    return this.acknowledgements.readBack(actor, params.token);
  }

  @Post(':token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Acknowledge the alert through the link: records who, when and which message; stops escalation',
  })
  @ApiOkResponse({ type: AcknowledgementDto })
  @ApiConflictResponse({ description: 'The link was already used, or the alert is no longer open' })
  @ApiForbiddenResponse({ description: 'The signed-in person may not see this patient' })
  @ApiNotFoundResponse({ description: 'No such link (or a forged one)' })
  @ApiGoneResponse({ description: 'The link has expired' })
  acknowledge(
    @Actor() actor: RequestActor,
    @Param() params: AcknowledgementTokenParams,
    @Body() body: AcknowledgeByLinkDto,
  ) {
    return this.acknowledgements.acknowledge(actor, params.token, body.note);
  }
}
