// The network forms' limits: Mbit/s as people give them, kB/s as libvirt takes them.
import { describe, expect, it } from 'vitest';
import { hostTopology } from '@/server/plan/fixtures';
import { networkSettingsOf } from '@/server/plan/libvirt';
import { ZOperation } from '@/server/plan/ops';
import { validateOperation } from '@/server/plan/validate';
import { mbitText, networkLimits } from './network-forms';

describe('network limits in Mbit/s', () => {
  it('turns Mbit/s into libvirt\'s kB/s (1 Mbit/s is 125 kB/s), and back', () => {
    expect(networkLimits({ inbound: '10', outbound: '0.5' })).toEqual({ inbound: { average: 1250 }, outbound: { average: 63 } });
    expect(networkLimits({ inbound: '', outbound: '' })).toEqual({});
    expect([mbitText(1250), mbitText(1000), mbitText(63), mbitText(undefined)]).toEqual(['10', '8', '0.504', '']);
  });

  it('a direction that stays limited keeps its peak and burst; one left empty is no limit', () => {
    const current = { inbound: { average: 1000, peak: 5000, burst: 1024 }, outbound: { average: 128 } };
    expect(networkLimits({ inbound: '20', outbound: '' }, current)).toEqual({ inbound: { average: 2500, peak: 5000, burst: 1024 } });
  });

  it('says which value is not a positive number', () => {
    expect(networkLimits({ inbound: 'fast', outbound: '' })).toBe('The limit to the VMs, "fast", is not a positive number of Mbit/s.');
    expect(networkLimits({ inbound: '', outbound: '0' })).toBe('The limit from the VMs, "0", is not a positive number of Mbit/s.');
  });

  it('what the inspector drafts for the default network is an edit the server takes, keeping its addressing', () => {
    const t = hostTopology();
    t.networks[0]!.definition = "<network><name>default</name><uuid>00000000-0000-4000-8000-000000000001</uuid><forward mode='nat'/><bridge name='virbr0'/><ip address='192.168.122.1' prefix='24'/></network>";
    const limits = networkLimits({ inbound: '10', outbound: '' });
    const op = ZOperation.parse({ kind: 'editNetwork', name: 'default', mode: 'nat', ...networkSettingsOf(t.networks[0]!), bandwidth: limits });
    expect(op).toMatchObject({ ipv4: { address: '192.168.122.1', prefixLength: 24 }, bandwidth: { inbound: { average: 1250 } } });
    expect(validateOperation(t, op)).toEqual([]);
  });
});
