import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { Actor, type RequestActor } from '../common/request-actor';
import {
  LabSenderDto,
  LabSenderInputDto,
  LabSenderPageDto,
  LabSenderParams,
  LabSenderQueryDto,
} from './lab-sender.dto';
import { LabSenderService } from './lab-sender.service';

/**
 * Registrations of the labs that send results, one per sender (APPLICATION^FACILITY, MSH-3^MSH-4: URL-encode
 * the `^` in paths). A registration says what authenticates the sender (MLLP client certificates or source
 * addresses), whose patients it may report for (assigning authorities), and the zone of its local times. A
 * sender that is not registered can send nothing: the gateway refuses it.
 */
@ApiTags('senders')
@Controller('senders')
@Roles('admin')
export class LabSenderController {
  constructor(private readonly senders: LabSenderService) {}

  @Get()
  @ApiOperation({ summary: 'Registered senders, by sender' })
  @ApiOkResponse({ type: LabSenderPageDto })
  list(@Query() query: LabSenderQueryDto) {
    return this.senders.list(query);
  }

  @Get(':sender')
  @ApiOperation({ summary: 'A sender’s registration' })
  @ApiOkResponse({ type: LabSenderDto })
  @ApiNotFoundResponse({ description: 'The sender is not registered' })
  get(@Param() params: LabSenderParams) {
    return this.senders.get(params.sender);
  }

  @Put(':sender')
  @ApiOperation({
    summary:
      'Register a sender, or change its registration: the IANA zone of the times its messages send without ' +
      'an offset (unregistered senders: HL7_DEFAULT_TIME_ZONE)',
  })
  @ApiOkResponse({ type: LabSenderDto })
  @ApiBadRequestResponse({
    description:
      'Not a sender (APPLICATION^FACILITY), not an IANA time zone, or an authority, fingerprint or address that is not one',
  })
  put(@Actor() actor: RequestActor, @Param() params: LabSenderParams, @Body() body: LabSenderInputDto) {
    return this.senders.put(actor, params.sender, body);
  }

  @Delete(':sender')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a sender’s registration: the gateway refuses its messages from then on' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'The sender is not registered' })
  delete(@Actor() actor: RequestActor, @Param() params: LabSenderParams) {
    return this.senders.delete(actor, params.sender);
  }
}
