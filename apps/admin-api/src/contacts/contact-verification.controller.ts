import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiGoneResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { Actor, type RequestActor } from '../common/request-actor';
import {
  ConfirmVerificationDto,
  ContactPointIdParams,
  VerificationRequestDto,
  VerifiedContactDto,
} from './contact-verification.dto';
import { ContactVerificationService } from './contact-verification.service';

/** A test message with a code before a contact point receives alerts (and again whenever someone asks). */
@ApiTags('contact-points')
@Controller('contact-points')
@Roles('admin', 'clinician', 'auditor')
export class ContactVerificationController {
  constructor(private readonly verification: ContactVerificationService) {}

  @Post(':id/verification')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a test message with a code to this contact point (own contact points; admins: anyone’s)',
  })
  @ApiAcceptedResponse({ type: VerificationRequestDto })
  @ApiTooManyRequestsResponse({
    description:
      'Too many codes asked for this contact point (3 in 15 minutes) or by this person (6 an hour)',
  })
  start(@Actor() actor: RequestActor, @Param() params: ContactPointIdParams) {
    return this.verification.start(actor, params.id);
  }

  @Post(':id/verification/confirm')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Enter the code from the test message: the contact point receives alerts from now',
  })
  @ApiOkResponse({ type: VerifiedContactDto })
  @ApiConflictResponse({ description: 'No code is waiting, or the address changed since' })
  @ApiGoneResponse({ description: 'The code has expired' })
  @ApiTooManyRequestsResponse({ description: 'Too many wrong codes: ask for a new one' })
  confirm(
    @Actor() actor: RequestActor,
    @Param() params: ContactPointIdParams,
    @Body() body: ConfirmVerificationDto,
  ) {
    return this.verification.confirm(actor, params.id, body.code);
  }
}
