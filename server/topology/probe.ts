// The fixed, read-only probe: everything a refresh reads from a host, in one SSH exec.
//
// It runs as `sh -s` with this script on stdin, so the remote command line is the same
// constant for every host and nothing from a user is ever part of it. Each section is framed
// by marker lines and ends with the exit status of its command, so a host without libvirt or
// tc still gives every other section, and the parser can tell "missing" from "empty".
//
// libvirt: domain and network XML need their identifiers; names may contain `;` and `#`, which
// are syntax in virsh command strings, so the script asks for UUIDs first, keeps only lines
// that are UUIDs, and passes those to a second virsh invocation. (`virsh version --daemon` is
// avoided: it refreshes host capabilities and takes ~4 s; `libvirtd --version` is instant.)

export const PROBE_COMMAND = ['sh', '-s'] as const;

export const SECTION_MARK = '@@sb:';
export const SECTION_END = '@@sb-end:';

export const PROBE_SECTIONS = [
  'hostname',
  'kernel',
  'iproute2',
  'libvirt_version',
  'ip_forward',
  'link',
  'addr',
  'route',
  'bridge_link',
  'bridge_vlan',
  'qdisc',
  'class',
  'link_stats',
  'virsh_lists',
  'virsh_xml',
] as const;

export type ProbeSection = (typeof PROBE_SECTIONS)[number];

export const PROBE_SCRIPT = `export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
s() { printf '\\n${SECTION_MARK}%s@@\\n' "$1"; }
e() { printf '\\n${SECTION_END}%s:%s@@\\n' "$1" "$2"; }
s hostname; hostname; e hostname $?
s kernel; uname -r; e kernel $?
s iproute2; ip -V; e iproute2 $?
s libvirt_version; if command -v libvirtd >/dev/null 2>&1; then libvirtd --version; else virtqemud --version; fi 2>/dev/null; e libvirt_version $?
s ip_forward; sysctl -n net.ipv4.ip_forward; e ip_forward $?
s link; ip -j -d link show; e link $?
s addr; ip -j addr show; e addr $?
s route; ip -j route show table main; e route $?
s bridge_link; bridge -j -d link show; e bridge_link $?
s bridge_vlan; bridge -j vlan show; e bridge_vlan $?
s qdisc; tc -j -s qdisc show; e qdisc $?
s class
rc=0
if command -v tc >/dev/null 2>&1; then
  for d in /sys/class/net/*; do
    d=\${d##*/}
    out=$(tc class show dev "$d" 2>/dev/null) || rc=$?
    [ -n "$out" ] && printf 'dev %s\\n%s\\n' "$d" "$out"
  done
else rc=127; fi
e class $rc
s link_stats; ip -j -s link show; e link_stats $?
if command -v virsh >/dev/null 2>&1 && virsh -q -c qemu:///system uri >/dev/null 2>&1; then
  s virsh_lists
  doms=$(virsh -q -c qemu:///system list --all --uuid | grep -E '^[0-9a-f-]{36}$')
  nets=$(virsh -q -c qemu:///system net-list --all --uuid | grep -E '^[0-9a-f-]{36}$')
  printf 'domains\\n%s\\nnetworks\\n%s\\n' "$doms" "$nets"
  e virsh_lists 0
  s virsh_xml
  cmds=''
  for u in $doms; do cmds="$cmds dumpxml $u ; domstate $u ; echo @@sb-dom-end@@ ;"; done
  for u in $nets; do cmds="$cmds net-dumpxml $u ; net-info $u ; echo @@sb-net-end@@ ;"; done
  if [ -n "$cmds" ]; then virsh -q -c qemu:///system "$cmds"; else true; fi
  e virsh_xml $?
else
  s virsh_lists; e virsh_lists 127
  s virsh_xml; e virsh_xml 127
fi
`;
