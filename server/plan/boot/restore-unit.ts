// The paths Switchboard keeps tc and NAT rules in for boot, and the fixed text of the systemd
// unit that loads them (plan/boot/kept.ts writes them; documents.ts checks them). No imports:
// both sides read the same constants.
export const KEPT_NAT_FILE = '/etc/switchboard/nat.nft';
export const KEPT_FORWARD_FILE = '/etc/switchboard/forward.rules';
/** The accepts in libvirt's own nft chain (its nftables backend, libvirt 10+). */
export const KEPT_LIBVIRT_ACCEPTS_FILE = '/etc/switchboard/libvirt-accepts.nft';
export const KEPT_TC_FILE = '/etc/switchboard/tc.batch';
export const RESTORE_UNIT_FILE = '/etc/systemd/system/switchboard-restore.service';
/** A drop-in, not `systemctl enable`: a plain file pulls the unit in at boot, no symlink or systemctl needed. */
export const RESTORE_WANTS_FILE = '/etc/systemd/system/multi-user.target.d/switchboard-restore.conf';

/** Every file this module writes (the runner writes no other here, runner.ts), with its document shape. */
export const KEPT_FILE_SHAPES = {
  [KEPT_NAT_FILE]: 'nft',
  [KEPT_FORWARD_FILE]: 'iptables-rules',
  [KEPT_LIBVIRT_ACCEPTS_FILE]: 'nft-accepts',
  [KEPT_TC_FILE]: 'tc-batch',
  [RESTORE_UNIT_FILE]: 'systemd-unit',
  [RESTORE_WANTS_FILE]: 'systemd-unit',
} as const;
export type KeptFilePath = keyof typeof KEPT_FILE_SHAPES;
export const KEPT_FILE_PATHS = Object.keys(KEPT_FILE_SHAPES) as KeptFilePath[];
export const isKeptFilePath = (path: string): path is KeptFilePath => path in KEPT_FILE_SHAPES;

/**
 * The unit. Each line may fail on its own (`-`): an absent file, an interface that is gone.
 * `tc -force` goes on past a failing line. After libvirtd (or, with libvirt's modular daemons,
 * virtnetworkd): a port forward's accept goes above the rules libvirt puts in FORWARD or in its
 * own nft chain when it starts its networks. After network.target, not
 * network-online.target: the interfaces exist by then (ifupdown's `auto` stanzas are up, networkd
 * has created its netdevs), while network-online can wait minutes for a link with no carrier
 * (systemd-networkd-wait-online), and the forwards and limits would be missing all that time.
 */
export const RESTORE_UNIT = `# Written by Switchboard: puts back at boot the traffic control and NAT rules it applied,
# which the kernel forgets. What it loads is in /etc/switchboard; an absent file is skipped.
[Unit]
Description=Switchboard: traffic control and NAT rules kept for boot
After=network.target libvirtd.service virtnetworkd.service nftables.service firewalld.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=-nft -f ${KEPT_NAT_FILE}
ExecStart=-iptables-restore --noflush ${KEPT_FORWARD_FILE}
ExecStart=-nft -f ${KEPT_LIBVIRT_ACCEPTS_FILE}
ExecStart=-tc -force -batch ${KEPT_TC_FILE}
`;
export const RESTORE_WANTS = `# Written by Switchboard: starts switchboard-restore.service at boot.
[Unit]
Wants=switchboard-restore.service
`;
export const FIXED_UNIT_FILES: Record<string, string> = { [RESTORE_UNIT_FILE]: RESTORE_UNIT, [RESTORE_WANTS_FILE]: RESTORE_WANTS };

