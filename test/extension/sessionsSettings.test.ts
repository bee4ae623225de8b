import { describe, expect, it } from 'vitest';
import { isLoopbackHost, readSessionsSettings, sameRelayOptions } from '../../src/extension/sessions/sessionsSettings';

const read = (values: Record<string, unknown>) => readSessionsSettings((k) => values[k]);

/** The relay options an empty section reads as, and what every invalid value falls back to. */
const DEFAULT_RELAY = {
  host: '127.0.0.1',
  port: 0,
  writeTimeoutMs: 10_000,
  heartbeatIntervalMs: 30_000,
  readTimeoutMs: 90_000,
  queueLimit: 1024,
  closeDrainMs: 100,
  handshakeTimeoutMs: 5000,
  profile: 'flake-doctor',
};

describe('flakeDoctor.sessions settings', () => {
  it('defaults: loopback, any free port, the relay library defaults, no token, no autostart', () => {
    const { settings, errors } = read({});
    expect(errors).toEqual([]);
    expect(settings.relay).toEqual(DEFAULT_RELAY);
    expect(settings.autostart).toBe(false);
    expect(settings.backlogWarningBytes).toBe(1024 * 1024);
  });

  it('takes valid values', () => {
    const { settings, errors } = read({
      host: '::1',
      port: 48800,
      writeTimeoutMs: 500,
      heartbeatIntervalMs: 0,
      readTimeoutMs: 2000,
      queueLimit: 8,
      closeDrainMs: 0,
      handshakeTimeoutMs: 250,
      profile: 'origin',
      autostart: true,
      token: 's3cret',
      backlogWarningBytes: 4096,
    });
    expect(errors).toEqual([]);
    expect(settings.relay).toEqual({
      host: '::1',
      port: 48800,
      writeTimeoutMs: 500,
      heartbeatIntervalMs: 0,
      readTimeoutMs: 2000,
      queueLimit: 8,
      closeDrainMs: 0,
      handshakeTimeoutMs: 250,
      profile: 'origin',
      token: 's3cret',
    });
    expect(settings.autostart).toBe(true);
    expect(settings.backlogWarningBytes).toBe(4096);
  });

  it('reports invalid values and never uses them', () => {
    const { settings, errors } = read({
      port: 70000,
      writeTimeoutMs: 5,
      heartbeatIntervalMs: 50,
      queueLimit: 1.5,
      closeDrainMs: '100',
      autostart: 'yes',
      host: 'http://x:1',
      token: 'has space',
      handshakeTimeoutMs: 0,
      profile: 'nginx',
    });
    expect(settings.relay).toEqual(DEFAULT_RELAY);
    expect(settings.autostart).toBe(false);
    expect(errors).toHaveLength(10);
    expect(errors.join('\n')).toMatch(/handshakeTimeoutMs must be an integer from 100 to 600000 \(got 0\); using 5000/);
    expect(errors.join('\n')).toMatch(/profile must be one of "flake-doctor", "origin" \(got "nginx"\); using "flake-doctor"/);
    const all = errors.join('\n');
    expect(all).toMatch(/port must be an integer from 0 or 1 to 65535 \(got 70000\); using 0/);
    expect(all).toMatch(/heartbeatIntervalMs must be an integer from 0 or 100/);
    expect(all).toMatch(/host must be a host name or IP address \(got "http:\/\/x:1"\)/);
    expect(all).toMatch(/token must be up to 256 visible ASCII/);
  });

  it('refuses a non-loopback host unless allowNonLoopback is on', () => {
    const refused = read({ host: '0.0.0.0' });
    expect(refused.settings.relay.host).toBe('127.0.0.1');
    expect(refused.errors[0]).toMatch(/"0\.0\.0\.0", which is not a loopback address.*allowNonLoopback/);
    const allowed = read({ host: '0.0.0.0', allowNonLoopback: true });
    expect(allowed.errors).toEqual([]);
    expect(allowed.settings.relay.host).toBe('0.0.0.0');
    expect(read({ host: 'relay.example.com' }).settings.relay.host).toBe('127.0.0.1');
    expect(read({ host: 'relay.example.com', allowNonLoopback: true }).settings.relay.host).toBe('relay.example.com');
  });

  it('rejects a read deadline not longer than the heartbeat period, since idle peers would be cut off', () => {
    const { settings, errors } = read({ heartbeatIntervalMs: 60_000, readTimeoutMs: 30_000 });
    expect(settings.relay.readTimeoutMs).toBe(180_000);
    expect(errors[0]).toMatch(/readTimeoutMs \(30000\) must be longer than flakeDoctor\.sessions\.heartbeatIntervalMs \(60000\)/);
    expect(read({ heartbeatIntervalMs: 0, readTimeoutMs: 1000 }).errors).toEqual([]);
  });

  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST', 'a.localhost'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::ffff:10.0.0.1', 'fe80::1', 'example.com', 'localhost.example.com'])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('tells whether a running relay would need a restart for new settings', () => {
    const a = read({ port: 1000 }).settings;
    expect(sameRelayOptions(a, read({ port: 1000, backlogWarningBytes: 2048, autostart: true }).settings)).toBe(true);
    expect(sameRelayOptions(a, read({ port: 1001 }).settings)).toBe(false);
  });
});
