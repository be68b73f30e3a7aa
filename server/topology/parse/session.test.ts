import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProbeOutput } from './index';
import { parseSession } from './session';

describe('the panel\'s SSH session as the host reports it', () => {
  it('reads SSH_CONNECTION and the route back to the panel', () => {
    // As a lab host printed it (ip 6.1: route get shows dst, dev, prefsrc, uid, cache).
    const body = 'connection 198.18.0.1 51234 198.18.0.11 22\n[{"dst":"198.18.0.1","dev":"eth0","prefsrc":"198.18.0.11","flags":[],"uid":0,"cache":[]}]';
    expect(parseSession(body)).toEqual({ panelAddress: '198.18.0.1', hostAddress: '198.18.0.11', hostPort: 22, device: 'eth0', source: '198.18.0.11', gateway: null });
  });

  it('reads a routed path with its gateway, and IPv6', () => {
    const body = 'connection 2001:db8:1::5 40000 2001:db8:2::11 2222\n[{"dst":"2001:db8:1::5","gateway":"2001:db8:2::1","dev":"bond0","prefsrc":"2001:db8:2::11","metric":1024,"flags":[],"pref":"medium"}]';
    expect(parseSession(body)).toMatchObject({ panelAddress: '2001:db8:1::5', hostAddress: '2001:db8:2::11', hostPort: 2222, device: 'bond0', gateway: '2001:db8:2::1' });
  });

  it('is null when the host could not tell', () => {
    expect(parseSession('connection \n')).toBeNull();
  });

  it('is optional in a probe (captures made before it existed), and never a missing section', () => {
    const probe = readFileSync(new URL('./fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8');
    expect(parseProbeOutput(probe).session).toBeNull();
    const withSession = probe.replace('@@sb:virsh_lists@@', '@@sb:session@@\nconnection 198.18.0.1 5 198.18.0.11 22\n[{"dst":"198.18.0.1","dev":"eth0","prefsrc":"198.18.0.11"}]\n@@sb-end:session:0@@\n@@sb:virsh_lists@@');
    const sample = parseProbeOutput(withSession);
    expect(sample.session).toMatchObject({ device: 'eth0' });
    expect(sample.topology.missing).toEqual([]);
  });
});
