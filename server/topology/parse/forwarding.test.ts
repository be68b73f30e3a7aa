// The probe's forwarding sections and kept network definitions: what setIpForward and the
// network kinds undo from.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SECTION_END, SECTION_MARK } from '../probe';
import { parseProbeOutput } from './index';
import { parseForwardingFile } from './sysctl';
import { parseVirshXml } from './virsh';

const hv1 = readFileSync(new URL('./fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8');
const section = (name: string, body: string, rc = 0) => `\n${SECTION_MARK}${name}@@\n${body}\n${SECTION_END}${name}:${rc}@@\n`;

describe('IP forwarding as the probe reads it', () => {
  it('reads IPv6 forwarding and the boot file, content kept with its final newline', () => {
    const t = parseProbeOutput(hv1 + section('ip6_forward', '1') + section('forwarding_file', 'present\n# Switchboard\nnet.ipv4.ip_forward = 1\n')).topology;
    expect(t.host).toMatchObject({ ipForward: true, ip6Forward: true, forwardingFile: '# Switchboard\nnet.ipv4.ip_forward = 1\n' });
    expect(t.missing).toEqual([]);
  });

  it('an absent file is null; IPv6 switched off is "not available", not an error', () => {
    const t = parseProbeOutput(hv1 + section('ip6_forward', 'sysctl: cannot stat /proc/sys/net/ipv6/conf/all/forwarding', 255) + section('forwarding_file', 'absent')).topology;
    expect(t.host).toMatchObject({ ip6Forward: null, forwardingFile: null });
    expect(t.missing).toEqual([expect.objectContaining({ section: 'ip6_forward' })]);
    expect(t.missing[0]!.unreadable).toBeUndefined();
  });

  it.each([
    ['absent', null],
    ['present', ''],
    ['present\nnet.ipv4.ip_forward = 0', 'net.ipv4.ip_forward = 0\n'],
  ])('%j', (body, content) => {
    expect(parseForwardingFile(body)).toBe(content);
  });

  it('anything else is unreadable', () => {
    expect(() => parseForwardingFile('cat: permission denied')).toThrow(/expected "present" or "absent"/);
  });
});

describe('kept network definitions (net-dumpxml --inactive)', () => {
  const uuid = '6f1c2a9e-0d6b-4d0e-9d55-2b1d3f0c7a11';
  const live = `<network><name>lab</name><uuid>${uuid}</uuid><forward mode='nat'/><bridge name='virbr9'/></network>`;
  const kept = `<network>\n  <name>lab</name>\n  <uuid>${uuid}</uuid>\n  <forward mode='nat'/>\n</network>`;

  it('each persistent network keeps its definition as text; a transient one has none', () => {
    const other = `<network><name>tmp</name><uuid>00000000-0000-4000-8000-000000000001</uuid></network>`;
    const r = parseVirshXml(`${live}\n@@sb-net-end@@\n${other}\n@@sb-net-end@@\n${kept}\n@@sb-netdef-end@@\n`);
    expect(r.networks.map((n) => [n.name, n.definition])).toEqual([
      ['lab', kept],
      ['tmp', null],
    ]);
    expect(r.unreadable).toEqual([]);
  });
});
