import { describe, expect, it } from 'vitest';
import { readLoopbackSettings } from '../../src/extension/loopback/loopbackSettings';

const read = (values: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => readLoopbackSettings((k) => values[k], ['/ws'], env);

describe('flakeDoctor.loopback settings', () => {
  it('defaults match the library: 127.0.0.2–.33, ports 9925/9926, the default pool file', () => {
    const { settings, errors } = read({}, { FLAKE_DOCTOR_POOL_FILE: '/x/pool.json' });
    expect(errors).toEqual([]);
    expect(settings.config).toEqual({ start: 2, count: 32, probePorts: [9925, 9926] });
    expect(settings.poolFiles).toEqual(['/x/pool.json']);
  });

  it('reports invalid values and never uses them', () => {
    const { settings, errors } = read({ start: 300, count: 'many', probePorts: [80, 99999], poolFiles: 'one', minScanIntervalMs: 5, connectProbe: 'yes' });
    expect(settings.config).toEqual({ start: 2, count: 32, probePorts: [9925, 9926] });
    expect(settings.minScanIntervalMs).toBe(1000);
    expect(settings.connectProbe).toBe(true);
    expect(errors).toHaveLength(6);
    expect(errors.join('\n')).toMatch(/start must be an integer from 1 to 254 \(got 300\)/);
    expect(errors.join('\n')).toMatch(/probePorts must be a non-empty list of ports/);
  });

  it('rejects a range that runs past 127.0.0.254 as a whole', () => {
    const { settings, errors } = read({ start: 250, count: 10 });
    expect(settings.config.start).toBe(2);
    expect(errors[0]).toMatch(/must not pass 127\.0\.0\.254/);
  });

  it('expands variables and resolves relative pool files against the workspace folder', () => {
    const { settings } = read({ poolFiles: ['${workspaceFolder}/a.json', 'b.json', '/abs/c.json'] });
    expect(settings.poolFiles).toEqual(['/ws/a.json', '/ws/b.json', '/abs/c.json']);
  });
});

describe('flakeDoctor.loopback coexistence settings', () => {
  it("foreign pool files are expanded, and the origin helper's default file is always among them", () => {
    const { settings, errors } = read({ foreignPoolFiles: ['${workspaceFolder}/other.json', '/abs/origin.json'] }, { TMPDIR: '/t' });
    expect(errors).toEqual([]);
    expect(settings.foreignPoolFiles).toEqual(['/ws/other.json', '/abs/origin.json', '/t/harper-integration-test-loopback-pool.json']);
    expect(read({}, { TMPDIR: '/t' }).settings.foreignPoolFiles).toEqual(['/t/harper-integration-test-loopback-pool.json']);
  });

  it('originStart defaults to 2 (newer origin versions) and rejects values outside 1–254', () => {
    expect(read({}).settings.originStart).toBe(2);
    expect(read({ originStart: 1 }).settings.originStart).toBe(1);
    const { settings, errors } = read({ originStart: 0, foreignPoolFiles: [''] });
    expect(settings.originStart).toBe(2);
    expect(errors.join('\n')).toMatch(/originStart must be an integer from 1 to 254 \(got 0\)/);
    expect(errors.join('\n')).toMatch(/foreignPoolFiles must be a list of file paths/);
  });
});
