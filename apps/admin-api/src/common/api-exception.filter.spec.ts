import { ForbiddenException, NotFoundException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { ConflictError, InvalidInputError, NotFoundError } from './domain.errors';
import { toErrorBody } from './api-exception.filter';

describe('toErrorBody (one error shape, no PHI)', () => {
  it('maps domain errors to their status with their own message and details', () => {
    expect(toErrorBody(new NotFoundError('Patient'))).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Patient not found',
    });
    expect(
      toErrorBody(new InvalidInputError('The request is not valid', [{ path: 'body.x', message: 'bad' }])),
    ).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The request is not valid',
      details: [{ path: 'body.x', message: 'bad' }],
    });
    expect(toErrorBody(new ConflictError('already'))).toMatchObject({ statusCode: 409, error: 'Conflict' });
  });

  it('never passes on what body-parser quotes from the body', () => {
    const parse = Object.assign(new SyntaxError(`Unexpected token 'J', "Jana Nováková" is not valid JSON`), {
      type: 'entity.parse.failed',
      status: 400,
    });
    expect(toErrorBody(parse)).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The request body is not valid JSON',
    });
    expect(
      toErrorBody(Object.assign(new Error('request entity too large'), { type: 'entity.too.large' })),
    ).toMatchObject({
      statusCode: 413,
    });
  });

  it('maps database refusals by code, never by their message (which quotes values)', () => {
    const duplicate = Object.assign(
      new Error('duplicate key value violates unique constraint; Key (email)=(x@y)'),
      {
        code: '23505',
      },
    );
    expect(toErrorBody(duplicate)).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'A record with the same key already exists',
    });
    expect(JSON.stringify(toErrorBody(duplicate))).not.toContain('x@y');
  });

  it('keeps framework statuses in its own words, and hides everything else behind a bare 500', () => {
    expect(toErrorBody(new NotFoundException('Cannot GET /secret?mrn=123'))).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'No such route',
    });
    expect(toErrorBody(new ForbiddenException('internal detail'))).toMatchObject({
      statusCode: 403,
      message: 'Forbidden',
    });
    expect(toErrorBody(new ThrottlerException())).toMatchObject({ statusCode: 429 });
    expect(toErrorBody(new TypeError('cannot read patient.name of undefined'))).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal error',
    });
  });
});
