import { describe, expect, it } from 'vitest';
import {
  availableJobIds,
  JOB_MESSAGES_TYPE,
  MalformedResponseError,
  parseRegistration,
  adminTokenExpiresAt,
  parseAcquiredJobs,
  parseMessage,
  parseSession,
} from '../../src/core/listener/index';

const message = (body: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ messageId: 7, messageType: JOB_MESSAGES_TYPE, statistics: { totalAvailableJobs: 1 }, body: JSON.stringify(body), ...extra });

describe('broker message parsing (pure)', () => {
  it('parses a batch and picks the available jobs', () => {
    const parsed = parseMessage(
      message([
        { messageType: 'JobAvailable', runnerRequestId: 1 },
        { messageType: 'JobStarted', runnerRequestId: 2 },
        { messageType: 'JobAvailable', runnerRequestId: 3 },
        { messageType: 'SomethingNew', runnerRequestId: 4 },
      ]),
    );
    expect(parsed.messageId).toBe(7);
    expect(parsed.statistics).toEqual({ totalAvailableJobs: 1 });
    expect(availableJobIds(parsed)).toEqual([1, 3]);
  });

  it('accepts an empty body', () => {
    expect(parseMessage(JSON.stringify({ messageId: 1, messageType: JOB_MESSAGES_TYPE, body: '' })).jobs).toEqual([]);
  });

  it.each([
    ['truncated JSON', '{"messageId": 1, "messageType": "RunnerSc'],
    ['empty', ''],
    ['an array', '[]'],
    ['no messageId', JSON.stringify({ messageType: JOB_MESSAGES_TYPE })],
    ['wrong messageType', JSON.stringify({ messageId: 1, messageType: 'Other' })],
    ['body not JSON', JSON.stringify({ messageId: 1, messageType: JOB_MESSAGES_TYPE, body: '[{' })],
    ['body not an array', JSON.stringify({ messageId: 1, messageType: JOB_MESSAGES_TYPE, body: '{}' })],
    ['job without id', message([{ messageType: 'JobAvailable' }])],
  ])('rejects %s as a MalformedResponseError', (_label, text) => {
    expect(() => parseMessage(text)).toThrow(MalformedResponseError);
  });

  it('parses and validates sessions', () => {
    const session = parseSession(
      JSON.stringify({ sessionId: 's1', ownerName: 'me', messageQueueUrl: 'http://127.0.0.1:1/sessions/s1/messages', messageQueueAccessToken: 'q' }),
    );
    expect(session).toMatchObject({ sessionId: 's1', messageQueueAccessToken: 'q', statistics: {} });
    expect(() => parseSession(JSON.stringify({ sessionId: 's1', messageQueueUrl: 'not a url', messageQueueAccessToken: 'q' }))).toThrow(MalformedResponseError);
    expect(() => parseSession('{"sessionId":"s1"')).toThrow(MalformedResponseError);
  });

  it('parses runner-registration, admin token expiry and acquired jobs', () => {
    expect(parseRegistration('{"url":"https://pipelines.example/tenant/1/","token":"t"}')).toEqual({ url: 'https://pipelines.example/tenant/1/', token: 't' });
    expect(() => parseRegistration('{"token":"t"}')).toThrow(MalformedResponseError);
    expect(() => parseRegistration('{"url":"file:///x","token":"t"}')).toThrow(MalformedResponseError);
    const jwt = (claims: unknown): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    expect(adminTokenExpiresAt(jwt({ exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
    expect(adminTokenExpiresAt(jwt({ iss: 'x' }))).toBeNull();
    expect(adminTokenExpiresAt('opaque-token')).toBeNull();
    expect(parseAcquiredJobs('{"count":2,"value":[1,2]}')).toEqual([1, 2]);
    expect(() => parseAcquiredJobs('{"value":["1"]}')).toThrow(MalformedResponseError);
  });
});
