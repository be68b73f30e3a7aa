import { describe, expect, it } from 'vitest';
import { persistenceOf } from './persistence';

const step = (...programs: string[]) => ({ commands: programs.map((p) => ({ argv: [p, 'x'] })) });
const ifupdown = { backend: 'ifupdown' as const, reason: 'x', files: [] };

describe('persistenceOf: which steps a reboot undoes', () => {
  it('names the kernel steps and the boot manager Switchboard does not write', () => {
    expect(persistenceOf([step('virsh'), step('ip'), step('sysctl', 'sb-write-file'), step('bridge')], 'hv1', ifupdown)).toEqual({
      runtimeOnlySteps: [1, 3],
      sentence: 'Runtime only: hv1 is configured at boot by ifupdown (/etc/network/interfaces), which Switchboard does not write yet, so steps 2, 4 will be undone by the next reboot.',
    });
  });

  it('says "this change" when every step is, and why when nothing known configures the host', () => {
    expect(persistenceOf([step('ip')], 'kv1', { ...ifupdown, backend: 'none' }).sentence).toBe(
      "Runtime only: nothing known configures kv1's network at boot, so this change will be undone by the next reboot.",
    );
    expect(persistenceOf([step('ip')], 'kv1', undefined).sentence).toMatch(/^Runtime only: kv1's boot configuration has not been read yet/);
  });

  it('says nothing when every step survives a reboot (libvirt, sysctl.d)', () => {
    expect(persistenceOf([step('virsh'), step('sysctl', 'sb-write-file')], 'hv1', ifupdown)).toEqual({ runtimeOnlySteps: [], sentence: null });
  });
});
