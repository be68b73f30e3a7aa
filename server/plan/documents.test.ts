import { describe, expect, it } from 'vitest';
import { checkDocument, DocumentShapeError, xmlDocument } from './documents';
import { cmdWithDocuments, UnsafeArgumentError } from './commands';

describe('checkDocument', () => {
  it.each([
    ['libvirt-network', '<network>\n  <name>lab</name>\n</network>'],
    ['libvirt-dhcp-host', '<host mac="52:54:00:00:00:01" ip="10.0.0.5"/>'],
    ['libvirt-interface', "<interface type='network'><source network='lab'/></interface>"],
    ['sysctl', '# Switchboard\nnet.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 0\n'],
    ['sysctl', ''],
  ] as const)('accepts a %s document', (shape, text) => {
    expect(() => checkDocument({ shape, text })).not.toThrow();
  });

  it.each([
    ['libvirt-network', '<domain><name>x</name></domain>', 'must be one <network> element, not <domain>'],
    ['libvirt-network', '<network><name>x</name>', 'is not well-formed XML'],
    ['libvirt-network', '<!DOCTYPE network [<!ENTITY x SYSTEM "file:///etc/shadow">]><network><name>&x;</name></network>', 'holds a declaration, DOCTYPE or processing instruction'],
    ['libvirt-network', '<network/><network/>', 'must be one <network> element'],
    ['libvirt-dhcp-host', '<range start="a" end="b"/>', 'must be one <host> element, not <range>'],
    ['sysctl', 'kernel.modprobe = /tmp/x\n', 'sets kernel.modprobe, which Switchboard does not manage'],
    ['sysctl', 'net.ipv4.ip_forward = 2\n', 'sets net.ipv4.ip_forward to 2, which it cannot take'],
    ['sysctl', 'net.ipv4.ip_forward=1\n', 'has a line that is not "key = value"'],
  ] as const)('refuses a %s document: %s', (shape, text, why) => {
    expect(() => checkDocument({ shape, text })).toThrow(DocumentShapeError);
    expect(() => checkDocument({ shape, text })).toThrow(why);
  });

  it('a command is built only with documents of the right shape and references it has', () => {
    expect(() => cmdWithDocuments(['virsh', 'net-define', '@doc1'], [], [{ shape: 'libvirt-network', text: '<domain/>' }])).toThrow(DocumentShapeError);
    expect(() => cmdWithDocuments(['virsh', 'net-define', '@doc2'], [], [{ shape: 'libvirt-network', text: '<network/>' }])).toThrow(UnsafeArgumentError);
    expect(cmdWithDocuments(['virsh', 'net-define', '@doc1'], [['virsh', 'net-undefine', 'x']], [{ shape: 'libvirt-network', text: '<network/>' }]).documents).toHaveLength(1);
  });
});

describe('xmlDocument', () => {
  it('escapes every value, so a name can never become markup', () => {
    const text = xmlDocument('network', { name: 'a"/><evil/>&', bridge: { '@name': "x'/><evil" } });
    expect(text).not.toContain('<evil');
    expect(() => checkDocument({ shape: 'libvirt-network', text })).not.toThrow();
    expect(text).toContain('<name>a&quot;/&gt;&lt;evil/&gt;&amp;</name>');
  });
});
