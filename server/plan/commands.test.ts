import { describe, expect, it } from 'vitest';
import { kernelReadShowsAll } from './commands';
import { hostTopology, namespaceTopology, MGMT_ADDRESS } from './fixtures';
import type { Operation } from './ops';
import { planChange } from './planner';

const stepsOf = (draft: Operation[], withLibvirt = false) => {
  const result = withLibvirt ? planChange(hostTopology(), draft, MGMT_ADDRESS) : planChange(namespaceTopology(), draft, '192.0.2.1');
  if (!result.ok) throw new Error(JSON.stringify(result.checks));
  return result.plan.steps;
};

describe('kernelReadShowsAll: after which plans a read of the kernel sections shows all a plan changed', () => {
  it('holds for links, addresses, masters and qdiscs (ip, bridge and tc only)', () => {
    const steps = stepsOf([
      { kind: 'createBridge', name: 'sbbr', stp: false, vlanFiltering: false },
      { kind: 'createVeth', name: 'sbv0', peer: 'sbv1' },
      { kind: 'setMaster', dev: 'sbv0', master: 'sbbr' },
      { kind: 'addAddress', dev: 'sbbr', address: '10.77.0.1/24' },
    ]);
    expect(steps.flatMap((s) => s.commands.map((c) => c.argv[0]))).toContain('ip');
    expect(kernelReadShowsAll(steps)).toBe(true);
    expect(kernelReadShowsAll([{ commands: [{ argv: ['tc', 'qdisc', 'replace', 'dev', 'sbbr', 'root', 'fq'] }] }])).toBe(true);
  });

  it('fails for a plan with anything the kernel sections do not show: libvirt, NAT rules, sysctl, OVS, boot files', () => {
    const steps = stepsOf([
      { kind: 'createBridge', name: 'sbbr', stp: false, vlanFiltering: false },
      { kind: 'createNetwork', name: 'labiso', mode: 'isolated', ipv4: { address: '10.78.0.1', prefixLength: 24, dhcpRanges: [], hosts: [] }, active: false, autostart: false },
    ], true);
    expect(steps.flatMap((s) => s.commands.map((c) => c.argv[0]))).toContain('virsh');
    expect(kernelReadShowsAll(steps)).toBe(false);
    for (const program of ['nft', 'sysctl', 'ovs-vsctl', 'sb-write-file', 'virsh', 'iptables']) {
      expect(kernelReadShowsAll([{ commands: [{ argv: ['ip', 'link', 'set', 'dev', 'sbbr', 'up'] }, { argv: [program, 'x'] }] }])).toBe(false);
    }
  });
});
