// What configures a host's network at boot, from the probe's `boot_config` section. Pure.
//
// The section has one line per fact, each read without starting a program where the shell can
// tell (a unit is enabled when systemd's `.wants` link exists; ifupdown2 is installed when its
// share directory exists), and one `file` line per boot file, its content base64-encoded so
// that no file can forge the probe's markers:
//   enabled NetworkManager | enabled systemd-networkd | enabled networking
//   installed ifupdown | installed ifupdown2 | installed nmcli | installed netplan
//   installed bridge-utils | installed ifenslave | installed vlan   (classic ifupdown's hooks)
//   file <base64 content> <path>
//   nm-device <device>:<state>      (nmcli -t -f DEVICE,STATE device status; ':' in a name is '\:')
import type { BootBackend, BootConfig } from '../model';
import { ProbeParseError } from './errors';

/** Where each backend keeps its files (the probe reads these; the order is the order shown). */
export const BOOT_FILE_GLOBS = [
  '/etc/netplan/*.yaml',
  '/etc/netplan/*.yml',
  '/etc/network/interfaces',
  '/etc/network/interfaces.d/*',
  '/etc/systemd/network/*.network',
  '/etc/systemd/network/*.netdev',
  // What Switchboard keeps for boot beside them (plan/boot/restore-unit.ts).
  '/etc/switchboard/*',
  '/etc/systemd/system/switchboard-restore.service',
  '/etc/systemd/system/multi-user.target.d/switchboard-restore.conf',
] as const;
// NetworkManager's keyfiles are not read: they hold Wi-Fi and VPN secrets, and NetworkManager
// is asked through nmcli instead.

/** A boot file larger than this is named but its content not kept (no network config is this big). */
export const BOOT_FILE_MAX_BYTES = 256 * 1024;

const FACT = /^(enabled|installed) (\S+)$/;
/**
 * Lines that hold a secret (a WireGuard key in a .netdev, a Wi-Fi password in netplan YAML):
 * the value is dropped at the parser, so it never reaches the database or a browser.
 */
const SECRET_LINE = /^(\s*-?\s*["']?(?:private-?key|preshared-?key|psk|password|wpa-psk|secret|auth-key)["']?\s*[:=]\s*)(.*)$/i;
export const REDACTED = '(secret, not read)';

function redact(content: string): string {
  return content
    .split('\n')
    .map((line) => {
      const m = SECRET_LINE.exec(line);
      return m && m[2]!.trim() ? `${m[1]}${REDACTED}` : line;
    })
    .join('\n');
}
const FILE = /^file (\S*) (\/.+)$/;
const NM_DEVICE = /^nm-device ((?:[^:\\]|\\.)+):(.+)$/;

export function parseBootConfig(body: string): BootConfig {
  const enabled = new Set<string>();
  const installed = new Set<string>();
  const files: BootConfig['files'] = [];
  const nmManaged: string[] = [];
  for (const line of body.split('\n')) {
    if (!line.trim()) continue;
    const fact = FACT.exec(line);
    if (fact) {
      (fact[1] === 'enabled' ? enabled : installed).add(fact[2]!);
      continue;
    }
    const nm = NM_DEVICE.exec(line);
    if (nm) {
      // Every state but "unmanaged" means NetworkManager owns the device (even "disconnected"),
      // except "connected (externally)": configured by someone else, which NetworkManager only watches.
      if (nm[2] !== 'unmanaged' && !nm[2]!.includes('externally')) nmManaged.push(nm[1]!.replace(/\\(.)/g, '$1'));
      continue;
    }
    const file = FILE.exec(line);
    if (file) {
      files.push({ path: file[2]!, content: redact(Buffer.from(file[1]!, 'base64').toString('utf8')) });
      continue;
    }
    throw new ProbeParseError('boot_config', `unexpected line ${JSON.stringify(line.slice(0, 60))}`);
  }
  const has = (prefix: string) => files.some((f) => f.path.startsWith(prefix));
  const { backend, reason } = decide();
  return { backend, reason, files, installed: [...installed].sort(), ...(nmManaged.length ? { nmManaged } : {}) };

  function decide(): { backend: BootBackend; reason: string } {
    // netplan renders to networkd or NetworkManager at boot: its YAML is what must be written.
    if (has('/etc/netplan/')) return { backend: 'netplan', reason: 'netplan YAML in /etc/netplan (rendered for its backend at boot)' };
    if (enabled.has('NetworkManager')) return { backend: 'networkmanager', reason: 'NetworkManager is enabled' };
    if (enabled.has('systemd-networkd')) return { backend: 'networkd', reason: 'systemd-networkd is enabled' };
    if (installed.has('ifupdown2')) return { backend: 'ifupdown2', reason: 'ifupdown2 is installed (/etc/network/interfaces)' };
    if (installed.has('ifupdown') && (enabled.has('networking') || has('/etc/network/interfaces'))) {
      return { backend: 'ifupdown', reason: `ifupdown is installed${enabled.has('networking') ? ' and networking.service enabled' : ''} (/etc/network/interfaces)` };
    }
    return { backend: 'none', reason: 'no known network manager configures this host at boot' };
  }
}
