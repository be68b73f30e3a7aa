// The Open vSwitch editors' pure side: fields in, one operation the API takes (or the sentence
// that names the wrong field) out; the trunks people write; which interfaces a new port can be.
// And, rendered to HTML, who sees the editors and where.
import { createElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DraftProvider, type DraftEditor } from '@/components/changes/draft-context';
import { OvsBridgePorts, OvsInterfacePortEditor, OvsPortInspector } from '@/components/topology/ovs-details';
import { ZOperation } from '@/server/plan/ops';
import { ovsHost, ovsInterface, ovsPort } from '@/server/testing/ovs-host';
import { interfaceWith, type Topology } from '@/server/topology/model';
import {
  addOvsPortOperation,
  addOvsTunnelOperation,
  createOvsBridgeOperation,
  CreateOvsBridgeForm,
  NEW_INTERNAL_PORT,
  OvsBridgeEditor,
  ovsPortCandidates,
  OvsPortEditor,
  parseTrunks,
  parseVlanTag,
  setOvsPortVlansOperation,
  trunksInText,
} from './ovs-forms';

/** The operation the API takes (its output: what the draft holds), failing the test when it refuses. */
function accepted(op: unknown) {
  expect(typeof op).toBe('object');
  const parsed = ZOperation.safeParse(op);
  expect(parsed.error?.issues).toBeUndefined();
  return parsed.data;
}

describe('parseTrunks: "10, 20-22" as the schema holds trunks', () => {
  it('expands ranges, sorts and keeps each VLAN once', () => {
    expect(parseTrunks('10, 20-22')).toEqual([10, 20, 21, 22]);
    expect(parseTrunks(' 30,10 , 20 - 21, 10,')).toEqual([10, 20, 21, 30]);
    expect(parseTrunks('1-4094')).toHaveLength(4094);
    expect(parseTrunks('7-7')).toEqual([7]);
    expect(parseTrunks('')).toEqual([]);
    expect(parseTrunks('   ')).toEqual([]);
  });

  it('refuses what is not a VLAN or a range going upward, saying which', () => {
    expect(parseTrunks('4095')).toBe('Trunks are VLAN numbers from 1 to 4094; 4095 is not one.');
    expect(parseTrunks('10, 0')).toBe('Trunks are VLAN numbers from 1 to 4094; 0 is not one.');
    expect(parseTrunks('4000-4095')).toBe('Trunks are VLAN numbers from 1 to 4094; 4095 is not one.');
    expect(parseTrunks('a-b')).toBe('Trunks are VLAN numbers or ranges, like 10, 20-22.');
    expect(parseTrunks('10; 20')).toBe('Trunks are VLAN numbers or ranges, like 10, 20-22.');
    expect(parseTrunks('10-20-30')).toBe('Trunks are VLAN numbers or ranges, like 10, 20-22.');
    expect(parseTrunks('-5')).toBe('Trunks are VLAN numbers or ranges, like 10, 20-22.');
    expect(parseTrunks('20-10')).toBe('A range of trunks goes upward, like 20-22; 20-10 does not.');
  });

  it('writes trunks back as people do, and reads that back to the same list', () => {
    expect(trunksInText([10, 20, 21, 22])).toBe('10, 20-22');
    expect(trunksInText([22, 5, 21, 20, 5])).toBe('5, 20-22');
    expect(trunksInText([])).toBe('');
    expect(parseTrunks(trunksInText([1, 2, 3, 100, 4094]))).toEqual([1, 2, 3, 100, 4094]);
  });
});

describe('parseVlanTag', () => {
  it('takes 1-4094 and empty (no tag), refuses the rest in one sentence', () => {
    expect(parseVlanTag('10')).toBe(10);
    expect(parseVlanTag(' 4094 ')).toBe(4094);
    expect(parseVlanTag('')).toBeNull();
    for (const bad of ['0', '4095', 'ten', '1.5', '-3']) expect(parseVlanTag(bad)).toBe('A VLAN tag is a number from 1 to 4094.');
  });
});

describe('createOvsBridgeOperation', () => {
  it('drafts createOvsBridge with the name', () => {
    expect(accepted(createOvsBridgeOperation(' br-ovs1 '))).toEqual({ kind: 'createOvsBridge', name: 'br-ovs1' });
  });
  it('says what is wrong with the name', () => {
    expect(createOvsBridgeOperation('')).toBe('A new bridge needs a name.');
    expect(createOvsBridgeOperation('a-name-far-too-long')).toBe('An interface name is 1-15 characters: letters, digits, dot, dash or underscore, not starting with a dot or dash.');
  });
});

describe('addOvsPortOperation', () => {
  const none = { name: '', tag: '', trunks: '' };
  it('adds an existing interface, untagged, with a tag, or as a trunk', () => {
    expect(accepted(addOvsPortOperation('br-ovs', { ...none, source: 'eth7' }))).toEqual({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7' });
    expect(accepted(addOvsPortOperation('br-ovs', { ...none, source: 'eth7', tag: '30' }))).toEqual({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', tag: 30 });
    expect(accepted(addOvsPortOperation('br-ovs', { ...none, source: 'eth7', trunks: '10, 20-22' }))).toEqual({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', trunks: [10, 20, 21, 22] });
  });

  it('adds a new internal port by the name given', () => {
    expect(accepted(addOvsPortOperation('br-ovs', { source: NEW_INTERNAL_PORT, name: 'int1', tag: '10', trunks: '' }))).toEqual({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'int1', tag: 10, internal: true });
  });

  it('names the wrong field', () => {
    expect(addOvsPortOperation('br-ovs', { ...none, source: '' })).toBe('Choose an interface to add, or a new internal port.');
    expect(addOvsPortOperation('br-ovs', { ...none, source: NEW_INTERNAL_PORT })).toBe('A new internal port needs a name.');
    expect(addOvsPortOperation('br-ovs', { ...none, source: NEW_INTERNAL_PORT, name: '-x' })).toMatch(/^An interface name is 1-15 characters/);
    expect(addOvsPortOperation('br-ovs', { ...none, source: 'eth7', tag: '4095' })).toBe('A VLAN tag is a number from 1 to 4094.');
    expect(addOvsPortOperation('br-ovs', { ...none, source: 'eth7', trunks: '20-10' })).toBe('A range of trunks goes upward, like 20-22; 20-10 does not.');
    // Without a VLAN mode, OVS would ignore the trunks of a tagged port: the server's sentence, before drafting.
    expect(addOvsPortOperation('br-ovs', { ...none, source: 'eth7', tag: '10', trunks: '20' })).toBe(
      'With a tag, eth7 is an access port and Open vSwitch ignores its trunks; give either a tag (one VLAN, untagged on the port) or trunks (tagged VLANs).',
    );
  });
});

describe('addOvsTunnelOperation', () => {
  const vx = { type: 'vxlan', name: 'vx1', remote: '198.18.0.12', key: '', dstPort: '' };
  it('drafts each type, leaving key and UDP port out when empty', () => {
    expect(accepted(addOvsTunnelOperation('br-ovs', vx))).toEqual({ kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'vx1', type: 'vxlan', remote: '198.18.0.12' });
    expect(accepted(addOvsTunnelOperation('br-ovs', { ...vx, key: '5001', dstPort: '4790' }))).toEqual({
      kind: 'addOvsTunnelPort',
      bridge: 'br-ovs',
      port: 'vx1',
      type: 'vxlan',
      remote: '198.18.0.12',
      key: 5001,
      dstPort: 4790,
    });
    expect(accepted(addOvsTunnelOperation('br-ovs', { ...vx, type: 'gre', name: 'gre1', key: '4294967295' }))).toMatchObject({ type: 'gre', key: 4294967295 });
    expect(accepted(addOvsTunnelOperation('br-ovs', { ...vx, type: 'geneve', name: 'gnv1', key: '16777215', dstPort: '6082' }))).toMatchObject({ type: 'geneve', key: 16777215, dstPort: 6082 });
  });

  it('names the wrong field', () => {
    expect(addOvsTunnelOperation('br-ovs', { ...vx, type: 'ipip' })).toBe('A tunnel is vxlan, gre or geneve.');
    expect(addOvsTunnelOperation('br-ovs', { ...vx, name: '' })).toBe('A tunnel needs a name.');
    expect(addOvsTunnelOperation('br-ovs', { ...vx, remote: '' })).toBe('A tunnel needs the remote address.');
    expect(addOvsTunnelOperation('br-ovs', { ...vx, remote: 'far.example' })).toBe('A tunnel\'s far end is an IPv4 address, like 198.18.0.12; "far.example" is not one.');
    expect(addOvsTunnelOperation('br-ovs', { ...vx, remote: '127.0.0.1' })).toMatch(/^127\.0\.0\.1 cannot be a tunnel's far end: it is a loopback address/);
    expect(addOvsTunnelOperation('br-ovs', { ...vx, key: '16777216' })).toBe('A VXLAN VNI is a number from 0 to 16777215.');
    expect(addOvsTunnelOperation('br-ovs', { ...vx, type: 'geneve', key: '-1' })).toBe('A Geneve VNI is a number from 0 to 16777215.');
    expect(addOvsTunnelOperation('br-ovs', { ...vx, type: 'gre', key: '4294967296' })).toBe('A GRE key is a number from 0 to 4294967295.');
    expect(addOvsTunnelOperation('br-ovs', { ...vx, type: 'gre', dstPort: '4789' })).toBe('GRE runs over IP, not UDP: leave the UDP port empty.');
    expect(addOvsTunnelOperation('br-ovs', { ...vx, dstPort: '65536' })).toBe('A UDP port is a number from 1 to 65535.');
    expect(addOvsTunnelOperation('br-ovs', { ...vx, dstPort: '0' })).toBe('A UDP port is a number from 1 to 65535.');
  });
});

describe('setOvsPortVlansOperation', () => {
  const eth4 = { name: 'eth4', tag: 20, trunks: [], vlanMode: null };
  const trunk0 = { name: 'trunk0', tag: null, trunks: [10, 20], vlanMode: 'trunk' };
  it('sets the VLANs exactly, absent fields meaning none', () => {
    expect(accepted(setOvsPortVlansOperation(eth4, { tag: '30', trunks: '' }))).toEqual({ kind: 'setOvsPortVlans', port: 'eth4', tag: 30 });
    expect(accepted(setOvsPortVlansOperation(eth4, { tag: '', trunks: '' }))).toEqual({ kind: 'setOvsPortVlans', port: 'eth4' });
    expect(accepted(setOvsPortVlansOperation(eth4, { tag: '', trunks: '10, 20-22' }))).toEqual({ kind: 'setOvsPortVlans', port: 'eth4', trunks: [10, 20, 21, 22] });
    expect(accepted(setOvsPortVlansOperation(trunk0, { tag: '', trunks: '10-12' }))).toEqual({ kind: 'setOvsPortVlans', port: 'trunk0', trunks: [10, 11, 12] });
  });

  it('names the wrong field, and says when nothing changes', () => {
    expect(setOvsPortVlansOperation(eth4, { tag: '0', trunks: '' })).toBe('A VLAN tag is a number from 1 to 4094.');
    expect(setOvsPortVlansOperation(eth4, { tag: '', trunks: 'a-b' })).toBe('Trunks are VLAN numbers or ranges, like 10, 20-22.');
    expect(setOvsPortVlansOperation(eth4, { tag: '20', trunks: '' })).toBe('eth4 already has exactly these VLANs.');
    expect(setOvsPortVlansOperation(trunk0, { tag: '', trunks: '20, 10' })).toBe('trunk0 already has exactly these VLANs.');
    expect(setOvsPortVlansOperation(trunk0, { tag: '5', trunks: '10, 20' })).toBe('trunk0 is a trunk (VLAN mode trunk), which ignores a tag; give it trunks only.');
  });
});

/** A small host: what a new port of br-ovs can be, and what it cannot. */
function smallHost(): Topology {
  const t = ovsHost();
  return {
    ...t,
    interfaces: [
      interfaceWith('lo', 'loopback'),
      interfaceWith('eth0', 'ethernet'),
      interfaceWith('eth1', 'ethernet', { master: 'br0' }),
      interfaceWith('br0', 'bridge'),
      interfaceWith('bond0', 'bond'),
      interfaceWith('eth2', 'ethernet', { master: 'bond0' }),
      interfaceWith('dummy0', 'dummy'),
      interfaceWith('ovs-system', 'other', { rawKind: 'openvswitch' }),
      interfaceWith('br-ovs', 'other', { rawKind: 'openvswitch' }),
      interfaceWith('int0', 'other', { rawKind: 'openvswitch' }),
      interfaceWith('eth4', 'ethernet', { master: 'ovs-system' }),
      // In an OVS port although the kernel shows no master (OVS could not set it up).
      interfaceWith('eth9', 'ethernet'),
      interfaceWith('vnet5', 'tap', { owner: { vm: 'web5', mac: '52:54:00:00:00:05' } }),
      interfaceWith('eth7', 'ethernet'),
    ],
    ovs: {
      version: '3.1.0',
      bridges: [
        { name: 'br-ovs', ports: [ovsPort('br-ovs', {}, { type: 'internal' }), ovsPort('eth4'), ovsPort('int0', {}, { type: 'internal' })] },
        { name: 'br-x', ports: [ovsPort('br-x', {}, { type: 'internal' }), { ...ovsPort('bondx'), interfaces: [ovsInterface('eth9', 'system'), ovsInterface('eth8', 'system')] }] },
      ],
    },
  };
}

describe('ovsPortCandidates', () => {
  it('offers the interfaces on no bridge, bond or OVS port, not OVS devices, the loopback, a Linux bridge or a VM tap', () => {
    expect(ovsPortCandidates(smallHost(), 'br-ovs')).toEqual(['bond0', 'dummy0', 'eth0', 'eth7']);
  });
  it('on the OVS fixture host: its free NIC and devices, none already an OVS port', () => {
    const offered = ovsPortCandidates(ovsHost(), 'br-ovs');
    expect(offered).toContain('eth7');
    for (const taken of ['eth1', 'eth4', 'eth5', 'int0', 'br-ovs', 'br-vm', 'ovs-system', 'vnet1', 'vxlan_sys_4789', 'lo', 'br0']) expect(offered).not.toContain(taken);
  });
});

describe('who sees the editors', () => {
  const editor = (canEdit: boolean): DraftEditor => ({
    hostId: 'h1',
    canEdit,
    draft: undefined,
    add: () => undefined,
    adding: false,
    error: null,
    clearError: () => undefined,
    notice: null,
    setNotice: () => undefined,
    setDraft: () => undefined,
  });
  const html = (canEdit: boolean | null, node: ReactNode) => renderToStaticMarkup(canEdit === null ? createElement('div', null, node) : createElement(DraftProvider, { editor: editor(canEdit) } as Parameters<typeof DraftProvider>[0], node));
  const t = ovsHost();

  it('shows nothing to viewers, or outside an editor', () => {
    for (const who of [false, null]) {
      expect(html(who, createElement(CreateOvsBridgeForm, { topology: t }))).not.toContain('ovs-create-bridge');
      expect(html(who, createElement(OvsBridgeEditor, { topology: t, bridge: 'br-ovs' }))).not.toContain('ovs-bridge-editor');
      expect(html(who, createElement(OvsPortEditor, { topology: t, bridge: 'br-ovs', port: 'eth4' }))).not.toContain('ovs-port-editor');
      expect(html(who, createElement(OvsBridgePorts, { bridge: t.ovs!.bridges[0]!, topology: t }))).not.toContain('ovs-bridge-editor');
    }
  });

  it('shows editors to people who may edit: create only with Open vSwitch, the port form with the free interfaces', () => {
    expect(html(true, createElement(CreateOvsBridgeForm, { topology: t }))).toContain('data-testid="ovs-create-bridge"');
    expect(html(true, createElement(CreateOvsBridgeForm, { topology: { ...t, ovs: undefined } }))).not.toContain('ovs-create-bridge');
    const bridge = html(true, createElement(OvsBridgePorts, { bridge: t.ovs!.bridges[0]!, topology: t }));
    expect(bridge).toContain('data-testid="ovs-bridge-editor"');
    expect(bridge).toContain('<option value="eth7">eth7</option>');
    expect(bridge).not.toContain('<option value="eth4">');
    expect(bridge).toContain('Delete this bridge');
    // Without the topology (the inspector not yet passing it) only the table.
    expect(html(true, createElement(OvsBridgePorts, { bridge: t.ovs!.bridges[0]! }))).not.toContain('ovs-bridge-editor');
  });

  it('offers a port editor prefilled from the read state, never for the bridge\'s own port, and no removal of a VM\'s tap', () => {
    const trunk = html(true, createElement(OvsPortEditor, { topology: t, bridge: 'br-ovs', port: 'trunk0' }));
    expect(trunk).toContain('data-testid="ovs-port-editor"');
    expect(trunk).toContain('value="10, 20"');
    expect(trunk).toContain('Remove from bridge');
    expect(html(true, createElement(OvsPortEditor, { topology: t, bridge: 'br-ovs', port: 'br-ovs' }))).toBe('');
    expect(html(true, createElement(OvsPortEditor, { topology: t, bridge: 'br-vm', port: 'patch-a' }))).toBe('');
    const tap = html(true, createElement(OvsPortEditor, { topology: t, bridge: 'br-vm', port: 'vnet1' }));
    expect(tap).toContain('value="30"');
    expect(tap).not.toContain('Remove from bridge');
    expect(tap).toContain('detach or move the NIC in libvirt first');
  });

  it('is in the OVS port inspector for a port, not for a bond\'s member; the interface wrapper skips the bridge', () => {
    expect(html(true, createElement(OvsPortInspector, { topology: t, name: 'vx0' }))).toContain('ovs-port-editor');
    expect(html(true, createElement(OvsPortInspector, { topology: t, name: 'bond-ovs' }))).toContain('ovs-port-editor');
    expect(html(true, createElement(OvsPortInspector, { topology: t, name: 'eth5', interface: true }))).not.toContain('ovs-port-editor');
    expect(html(false, createElement(OvsPortInspector, { topology: t, name: 'vx0' }))).not.toContain('ovs-port-editor');
    expect(html(true, createElement(OvsInterfacePortEditor, { topology: t, name: 'eth4' }))).toContain('ovs-port-editor');
    expect(html(true, createElement(OvsInterfacePortEditor, { topology: t, name: 'br-ovs' }))).toBe('');
    expect(html(true, createElement(OvsInterfacePortEditor, { topology: t, name: 'eth7' }))).toBe('');
  });
});
