import { describe, expect, it } from 'vitest';
import { bandwidthInWords, missingInWords, virtualportInWords, vlanTagsInWords } from './words';

describe('people\'s words for model parts', () => {
  it('says libvirt rates (kB/s, 1000 bytes, as tc counts them) in bit/s and bursts in KiB/MiB', () => {
    expect(bandwidthInWords({ inbound: { average: 4000, peak: 8000, burst: 1024, floor: 200 }, outbound: { average: 125, peak: null, burst: null, floor: null } })).toBe(
      'in: average 32.0 Mbit/s, peak 64.0 Mbit/s, burst 1 MiB, guaranteed 1.6 Mbit/s; out: average 1.0 Mbit/s',
    );
    expect(bandwidthInWords({ inbound: { average: null, peak: null, burst: null, floor: 200 }, outbound: null })).toBe('in: guaranteed 1.6 Mbit/s');
  });

  it('says VLAN tags as an access VLAN or a trunk with its native VLAN', () => {
    expect(vlanTagsInWords({ trunk: false, tags: [{ id: 10, nativeMode: null }] })).toBe('VLAN 10');
    expect(vlanTagsInWords({ trunk: true, tags: [{ id: 123, nativeMode: 'tagged' }, { id: 444, nativeMode: null }] })).toBe('trunk 123, 444 (native 123 tagged)');
  });

  it('says a port profile with its ids', () => {
    expect(virtualportInWords({ type: 'openvswitch', parameters: { profileid: 'bob' } })).toBe('openvswitch (profileid bob)');
    expect(virtualportInWords({ type: null, parameters: {} })).toBe('inherited type');
  });

  it('names probe sections in words', () => {
    expect(missingInWords({ section: 'bridge_vlan', reason: 'its output could not be read (x)', unreadable: true })).toBe('bridge VLANs: its output could not be read (x)');
  });
});
