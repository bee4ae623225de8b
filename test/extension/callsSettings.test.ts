import { describe, expect, it } from 'vitest';
import { effectiveStallThresholdMs, parseBrokerUrl, readCallsSettings, sameListenerOptions } from '../../src/extension/calls/callsSettings';

const read = (values: Record<string, unknown>) => readCallsSettings((k) => values[k]);

/** What an empty section reads as, and what every invalid value falls back to. */
const DEFAULTS = {
  brokerUrl: null,
  controlPlaneTimeoutMs: 30_000,
  longPollTimeoutMs: 60_000,
  stallThresholdMs: null,
  autostart: false,
  trackProcessCalls: false,
};

describe('flakeDoctor.calls settings', () => {
  it('defaults: no broker, the library deadlines, automatic stall threshold, no autostart, own calls only', () => {
    const { settings, errors } = read({});
    expect(errors).toEqual([]);
    expect(settings).toEqual(DEFAULTS);
    expect(effectiveStallThresholdMs(settings)).toBe(10_000);
    expect(effectiveStallThresholdMs({ ...settings, controlPlaneTimeoutMs: 4000 })).toBe(2000);
  });

  it('takes valid values and normalises the URL', () => {
    const { settings, errors } = read({
      brokerUrl: '  http://127.0.0.1:8181/ ',
      controlPlaneTimeoutMs: 500,
      longPollTimeoutMs: 1000,
      stallThresholdMs: 250,
      autostart: true,
      trackProcessCalls: true,
    });
    expect(errors).toEqual([]);
    expect(settings).toEqual({
      brokerUrl: 'http://127.0.0.1:8181',
      controlPlaneTimeoutMs: 500,
      longPollTimeoutMs: 1000,
      stallThresholdMs: 250,
      autostart: true,
      trackProcessCalls: true,
    });
    expect(read({ brokerUrl: 'https://broker.example/actions/v1//' }).settings.brokerUrl).toBe('https://broker.example/actions/v1');
  });

  it('an empty broker URL means none, without an error', () => {
    expect(read({ brokerUrl: '' })).toEqual({ settings: expect.objectContaining({ brokerUrl: null }), errors: [] });
    expect(read({ brokerUrl: '   ' }).errors).toEqual([]);
  });

  it('refuses URLs that are not plain http(s) broker URLs, and uses none', () => {
    for (const [raw, why] of [
      ['broker:8080', /must be an http:\/\/ or https:\/\/ URL \(got broker\)/],
      ['127.0.0.1:8080', /is not a URL|must be an http/],
      ['file:///etc/passwd', /must be an http:\/\/ or https:\/\/ URL \(got file\)/],
      ['ws://127.0.0.1:1', /got ws/],
      ['not a url', /is not a URL/],
      ['http://user:secret@broker.example', /must not contain credentials/],
      ['http://broker.example/?token=x', /must not have a query or fragment/],
      [42, /must be a string/],
    ] as const) {
      const { settings, errors } = read({ brokerUrl: raw });
      expect(settings.brokerUrl, String(raw)).toBeNull();
      expect(errors, String(raw)).toHaveLength(1);
      expect(errors[0]).toMatch(why);
      expect(errors[0]).toMatch(/flakeDoctor\.calls\.brokerUrl .*; no broker is used$/);
    }
  });

  it('reports invalid numbers and booleans and never uses them', () => {
    const { settings, errors } = read({ controlPlaneTimeoutMs: 50, longPollTimeoutMs: 1.5, stallThresholdMs: -1, autostart: 'yes', trackProcessCalls: 1 });
    expect(settings).toEqual(DEFAULTS);
    expect(errors).toHaveLength(5);
    const all = errors.join('\n');
    expect(all).toMatch(/controlPlaneTimeoutMs must be an integer from 100 to 600000 \(got 50\); using 30000/);
    expect(all).toMatch(/longPollTimeoutMs must be an integer from 1000 to 3600000 \(got 1.5\); using 60000/);
    expect(all).toMatch(/stallThresholdMs must be an integer from 0 to 600000 \(got -1\); using 0/);
    expect(all).toMatch(/autostart must be true or false \(got "yes"\); using false/);
  });

  it('parseBrokerUrl keeps a path prefix', () => {
    expect(parseBrokerUrl('http://[::1]:9000/broker/')).toEqual({ url: 'http://[::1]:9000/broker' });
  });

  it('listener options differ only when what the listener was started with differs', () => {
    const a = read({ brokerUrl: 'http://127.0.0.1:1' }).settings;
    expect(sameListenerOptions(a, { ...a, autostart: true })).toBe(true);
    // 0 (automatic) and the value it stands for start the same listener.
    expect(sameListenerOptions(a, { ...a, stallThresholdMs: 10_000 })).toBe(true);
    expect(sameListenerOptions(a, { ...a, brokerUrl: 'http://127.0.0.1:2' })).toBe(false);
    expect(sameListenerOptions(a, { ...a, controlPlaneTimeoutMs: 1000 })).toBe(false);
    expect(sameListenerOptions(a, { ...a, trackProcessCalls: true })).toBe(false);
  });
});
