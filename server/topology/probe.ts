// The fixed, read-only probe: everything a refresh reads from a host, in one SSH exec.
//
// It runs as `sh -s` with this script on stdin, so the remote command line is the same
// constant for every host and nothing from a user is ever part of it. Each section is framed
// by marker lines and ends with the exit status of its command, so a host without libvirt or
// tc still gives every other section, and the parser can tell "missing" from "empty".
//
// libvirt: domain and network XML need their identifiers; names may contain `;` and `#`, which
// are syntax in virsh command strings, so the script asks for UUIDs first (with states and
// flags, in one virsh invocation), keeps only strings shaped like UUIDs, and passes those to a
// second invocation that dumps all the XML. (`virsh version --daemon` is
// avoided: it refreshes host capabilities and takes ~4 s; `libvirtd --version` is instant.)

import { FORWARDING_FILE } from './model';
import { BOOT_FILE_GLOBS, BOOT_FILE_MAX_BYTES } from './parse/boot-config';

export const PROBE_COMMAND = ['sh', '-s'] as const;

export const SECTION_MARK = '@@sb:';
export const SECTION_END = '@@sb-end:';

export const PROBE_SECTIONS = [
  'hostname',
  'kernel',
  'iproute2',
  'libvirt_version',
  'ip_forward',
  'ip6_forward',
  'forwarding_file',
  'boot_config',
  'link',
  'addr',
  'route',
  'bridge_link',
  'bridge_vlan',
  'qdisc',
  'class',
  'filter',
  'link_stats',
  'neigh',
  'ovs',
  'firewall',
  'listening',
  'session',
  'virsh_lists',
  'virsh_xml',
] as const;

export type ProbeSection = (typeof PROBE_SECTIONS)[number];

/**
 * Qdiscs whose filters the probe reads, under their own handle (clsact's two sides are read
 * apart). fq_codel, sfq and cake can hold filters too, but fq_codel is most devices' default
 * root: asking each would cost a tc process per interface.
 */
export const FILTER_QDISCS = ['htb', 'hfsc', 'prio', 'drr', 'qfq', 'cbq', 'ets', 'multiq', 'atm', 'dsmark', 'ingress'] as const;

/**
 * Sections a capture made before they were added may lack (the recorded fixtures), and link_stats,
 * which only reads made before December 2026 have (the link read now carries the counters).
 */
export const OPTIONAL_SECTIONS: readonly ProbeSection[] = ['session', 'ip6_forward', 'forwarding_file', 'boot_config', 'neigh', 'filter', 'ovs', 'firewall', 'listening', 'link_stats'];

/**
 * Where libvirt's daemons keep their sockets: /run on current systems, /var/run on old ones (where
 * it is not the same directory), and /usr/local/var/run for a libvirt built from source with its
 * default prefix, whose virsh looks there too.
 */
export const LIBVIRT_SOCKET_DIRS = ['/run/libvirt', '/var/run/libvirt', '/usr/local/var/run/libvirt'] as const;

/** What the probe says when none of those holds a socket (the host shows "libvirt is not running" with it). */
export const NO_LIBVIRT_SOCKET = `error: no libvirt socket in ${LIBVIRT_SOCKET_DIRS.slice(0, -1).join(', ')} or ${LIBVIRT_SOCKET_DIRS.at(-1)}`;

/**
 * A shell function: whether libvirt runs. qemu:///system is a socket of libvirtd (or virtproxyd)
 * or virtqemud, which systemd keeps open even for a daemon it starts on demand. Without one there
 * is nothing to ask, and libvirtd --version and virsh cost ~40 ms each just to start: on a fleet of
 * hosts without libvirt, that was a third of each read (the probe) and of each watch's start.
 * (A libvirt built with another socket directory, or configured with another unix_sock_dir, shows
 * as not running, and the read says where it looked.)
 */
export const LIBVIRT_RUNS_FUNCTION = `libvirt_runs() {
  for d in ${LIBVIRT_SOCKET_DIRS.join(' ')}; do
    for f in libvirt-sock virtqemud-sock; do [ -S "$d/$f" ] && return 0; done
  done
  return 1
}`;

/**
 * Open vSwitch's database, read in one ovs-vsctl call (parse/ovs.ts): one JSON document a line,
 * only the columns the model needs (statistics and status maps are most of a full row).
 */
export const OVS_COLUMNS = {
  Open_vSwitch: ['ovs_version'],
  Bridge: ['_uuid', 'name', 'ports'],
  Port: ['_uuid', 'name', 'interfaces', 'tag', 'trunks', 'vlan_mode', 'bond_mode', 'lacp'],
  Interface: ['_uuid', 'name', 'type', 'options', 'external_ids', 'error'],
} as const;

/**
 * How long ovs-vsctl waits for its database. A running one answers at once (the whole call takes
 * 0.2 s on the software-emulated lab host kv1, nearly all of it starting the process); one that
 * accepts the connection and then hangs must not hold the read. When the time is up ovs-vsctl's
 * alarm ends it (exit 142).
 */
export const OVS_TIMEOUT_S = 2;

/**
 * The probe script. `details: false` leaves out what issue 11 added for addressing and exact
 * undo (kept definitions, DHCP leases, the neighbour table): the benchmark's baseline, never
 * used by the panel. `traffic: false` leaves out what issue 13 added, for its own baseline: tc
 * classes and filters, the firewall (nftables, iptables) and Open vSwitch. The ports the host
 * listens on are not read here but by the review of a port forward (topology/listening-read.ts).
 */
export function probeScript({ details = true, traffic: withTraffic = true, kernelOnly = false }: { details?: boolean; traffic?: boolean; kernelOnly?: boolean } = {}): string {
  const only = (line: string) => (details ? line : '');
  const traffic = (text: string, instead = '') => (withTraffic ? text : instead);
  const full = (text: string) => (kernelOnly ? '' : text);
  return `export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
s() { printf '\\n${SECTION_MARK}%s@@\\n' "$1"; }
e() { printf '\\n${SECTION_END}%s:%s@@\\n' "$1" "$2"; }
# libvirt is read in the background while iproute2 and tc run: the two halves take about as
# long each, and a refresh of a large host stays within its budget. The output goes to a
# private temporary file, printed after the rest; without mktemp it runs in line.
${LIBVIRT_RUNS_FUNCTION}
libvirt() {
  if command -v virsh >/dev/null 2>&1 && ! libvirt_runs; then
    s libvirt_version; e libvirt_version 0
    s virsh_lists; echo '${NO_LIBVIRT_SOCKET}'; e virsh_lists 1
    s virsh_xml; e virsh_xml 127
    return
  fi
  s libvirt_version; if command -v libvirtd >/dev/null 2>&1; then libvirtd --version; else virtqemud --version; fi 2>/dev/null; e libvirt_version $?
  if command -v virsh >/dev/null 2>&1; then
    s virsh_lists
    # States and flags come from filtered lists in one virsh connection rather than one
    # domstate/net-info per object: each virsh command costs ~1.2 ms, which adds up on big hosts.
    lists=$(virsh -q -c qemu:///system "echo @@sb-list:domains@@ ; list --all --uuid ; echo @@sb-list:running@@ ; list --uuid --state-running ; echo @@sb-list:paused@@ ; list --uuid --state-paused ; echo @@sb-list:shutoff@@ ; list --uuid --state-shutoff ; echo @@sb-list:dompersistent@@ ; list --all --uuid --persistent ; echo @@sb-list:networks@@ ; net-list --all --uuid ; echo @@sb-list:active@@ ; net-list --uuid ; echo @@sb-list:autostart@@ ; net-list --all --uuid --autostart ; echo @@sb-list:persistent@@ ; net-list --all --uuid --persistent ; echo @@sb-list:end@@" 2>&1)
    rc=$?
    printf '%s\n' "$lists"
    e virsh_lists $rc
    s virsh_xml
    if [ "$rc" -eq 0 ]; then
      # For each UUID, the commands of the list it is in, lists in the order asked, in one awk
      # pass (a sed and a grep per list cost ~40 ms each where starting a process is slow).
      # virsh's echo ends without a newline, so a marker can share a line with the next UUID.
      # Kept definitions (persistent networks and VMs) are what an exact undo redefines and the
      # NICs a VM gets at its next start; running networks' leases say where addresses come from.
      plan() {
        printf '%s\n' "$lists" | awk -v order="$1" '
          function cmd(list, u) {
            if (list == "domains") return "dumpxml " u " ; echo @@sb-dom-end@@ ;"
            if (list == "networks") return "net-dumpxml " u " ; echo @@sb-net-end@@ ;"
            if (list == "persistent") return "net-dumpxml --inactive " u " ; echo @@sb-netdef-end@@ ;"
            if (list == "dompersistent") return "dumpxml --inactive " u " ; echo @@sb-domdef-end@@ ;"
            if (list == "active") return "echo @@sb-leases:" u "@@ ; net-dhcp-leases " u " ; echo @@sb-leases-end@@ ;"
            if (list == "running") return "echo @@sb-agent:" u "@@ ; domifaddr " u " --source agent --full ; echo @@sb-agent-end@@ ;"
            return ""
          }
          {
            gsub(/@@sb-list:[a-z]+@@/, " & ")
            for (i = 1; i <= NF; i++) {
              if ($i ~ /^@@sb-list:[a-z]+@@$/) { list = substr($i, 11, length($i) - 12); continue }
              if (length($i) == 36 && $i ~ /^[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/ && !seen[list, $i]++) out[list] = out[list] " " cmd(list, $i)
            }
          }
          END { n = split(order, lists, " "); for (i = 1; i <= n; i++) printf "%s", out[lists[i]] }'
      }
      cmds=$(plan "domains networks${only(' persistent dompersistent active')}")
      if [ -n "$cmds" ]; then virsh -q -c qemu:///system "$cmds"; else true; fi
      rc=$?
${only(`      # Addresses the guest agent reports, where a running VM has one: a separate call, its
      # errors dropped (most VMs have no agent; libvirt refuses at once, the rest still answer),
      # bounded in time (a hung agent must not hold the read). What a guest says is untrusted:
      # every "@" outside this script's own markers is replaced, so a guest's interface name
      # cannot end a block, and a block cut short by the time limit is closed.
      agent=$(plan running)
      if [ -n "$agent" ]; then
        limit=''; command -v timeout >/dev/null 2>&1 && limit='timeout 10'
        $limit virsh -q -c qemu:///system "$agent" 2>/dev/null | awk '
          {
            line = $0
            while (match(line, /@@sb-agent(:[0-9a-f-]+|-end)@@/)) {
              before = substr(line, 1, RSTART - 1); marker = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
              gsub(/@/, "_", before); if (before != "") print before
              print marker; open = (marker != "@@sb-agent-end@@")
            }
            gsub(/@/, "_", line); if (line != "") print line
          }
          END { if (open) print "@@sb-agent-end@@" }'
      fi`)}
      e virsh_xml $rc
    else
      e virsh_xml 127
    fi
  else
    s virsh_lists; e virsh_lists 127
    s virsh_xml; e virsh_xml 127
  fi
}
# NAT and port forwarding (parse/firewall.ts): the whole nftables ruleset as JSON, and iptables'
# rules as libvirt writes them (iptables-save's first line names its backend, nf_tables or legacy). A
# tool that is not installed is left out; one that fails (no privilege) says so in its block.
firewall() {${traffic(`
s firewall
if command -v nft >/dev/null 2>&1; then
  out=$(nft -j list ruleset 2>&1) && printf '@@nft@@\n%s\n' "$out" || printf '@@nft-failed %s@@\n%s\n' "$?" "$out"
fi
if command -v iptables-save >/dev/null 2>&1; then
  out=$(iptables-save 2>&1) && printf '@@iptables@@\n%s\n' "$out" || printf '@@iptables-failed %s@@\n%s\n' "$?" "$out"
fi
e firewall 0`, '\n  :')}
}
# Open vSwitch (parse/ovs.ts). Without ovs-vsctl the section is empty and succeeds: no OVS, nothing
# missing. A database that does not answer fails it (exit 1, or 142 when the alarm ends the wait).
ovs() {${traffic(`
s ovs
if command -v ovs-vsctl >/dev/null 2>&1; then
  ovs-vsctl --timeout=${OVS_TIMEOUT_S} --format=json${Object.entries(OVS_COLUMNS)
    .map(([table, columns]) => ` -- --columns=${columns.join(',')} list ${table}`)
    .join('')} 2>&1
else true; fi
e ovs $?`, '\n  :')}
}
# tc classes and filters (parse/tc.ts, parse/tc-filter.ts), in the background with the firewall:
# a tc process per device or qdisc that has them. The baseline (traffic: false) keeps the class
# read the probe had before issue 13: the same devices, without counters or filters.
tc_classes_and_filters() {
# The qdisc list once more as text ("qdisc KIND HANDLE dev NAME ..."): which devices have
# classes and which qdiscs hold filters, in one awk pass ("c:DEV" and "f:DEV:HANDLE" words).
# Classes and filters are read one tc process per device (or qdisc), ~1.5 ms each, so only
# where they can exist: over 0.7 s on a host with 500 interfaces otherwise.${traffic(`
# Classes come with their counters (-s: "Sent N bytes M pkt"), so that what a filter steers into
# a class can be seen (parse/tc.ts). Filters are those of the qdiscs that classify (FILTER_QDISCS): the
# classful ones under their own handle, ingress under ffff:, clsact's two sides. A name cannot
# hold ":", so "dev:handle" splits at its first one.`)}
set -f # interface names may contain glob characters
reads=$(tc qdisc show 2>/dev/null | awk '
  $2 !~ /^(noqueue|pfifo_fast|pfifo|bfifo|pfifo_head_drop|fq_codel|fq|fq_pie|sfq|codel|cake|red|choke|pie|netem|ingress|clsact|plug)$/ && !seen[$5]++ { print "c:" $5 }${traffic(`
  $2 ~ /^(${FILTER_QDISCS.join('|')})$/ { print "f:" $5 ":" $3 }
  $2 == "clsact" { print "f:" $5 ":ffff:fff2"; print "f:" $5 ":ffff:fff3" }`)}
')
s class
rc=0
if command -v tc >/dev/null 2>&1; then
  for w in $reads; do
    case $w in c:*) d=\${w#c:};; *) continue;; esac
    out=$(tc${traffic(' -s')} class show dev "$d" 2>/dev/null) || rc=$?
    [ -n "$out" ] && printf 'dev %s\n%s\n' "$d" "$out"
  done
else rc=127; fi
e class $rc${traffic(`
# tc's JSON leaves a police action's rate and burst out, so where it has one the text follows.
s filter
rc=0
if command -v tc >/dev/null 2>&1; then
  for w in $reads; do
    case $w in f:*) p=\${w#f:};; *) continue;; esac
    d=\${p%%:*}; h=\${p#*:}
    if out=$(tc -j filter show dev "$d" parent "$h" 2>/dev/null); then
      printf '@@filters %s %s@@\n%s\n' "$d" "$h" "$out"
      case $out in *police*) printf '@@filters-text %s %s@@\n' "$d" "$h"; tc filter show dev "$d" parent "$h" 2>/dev/null;; esac
    else
      printf '@@filters-failed %s %s %s@@\n' "$d" "$h" "$?"
    fi
  done
else rc=127; fi
e filter $rc`)}
set +f
}
${kernelOnly ? `# The kernel's sections only (KERNEL_SECTIONS): what a kernel event can have changed.
libvirt() { :; }
firewall() { :; }
ovs() { :; }
` : ''}tmp=$(mktemp -d 2>/dev/null) || tmp=''
[ -n "$tmp" ] && trap 'rm -rf "$tmp"' EXIT
# The firewall, Open vSwitch and tc classes and filters are read in the background too: nft
# alone takes ~80 ms to build its cache, ovs-vsctl waits on its database, and the foreground
# (iproute2 over every interface) is the longer half on a large host.
if [ -n "$tmp" ]; then libvirt > "$tmp/libvirt" 2>&1 & lv=$!; { firewall; ovs; tc_classes_and_filters; } > "$tmp/firewall" 2>&1 & fw=$!; fi
# What hostname, uname -r and sysctl -n print, read by the shell itself: each process started
# costs ~3-6 ms on a small host, and a fleet's reads are bound by exactly that (bench:fleet).
# (A file that is missing fails the redirection: the section fails, as the command would. The
# shell reads a byte at a time, and a numeric sysctl file ends at its first byte for such reads:
# right for the 0/1 switches read here, wrong for longer numbers, which need a process. A value
# without its newline is still a value. Text files (hostname, osrelease) read whole.)
value() { { IFS= read -r v || [ -n "$v" ]; } < "$1" && printf '%s\n' "$v"; }
${full(`s hostname; value /proc/sys/kernel/hostname; e hostname $?
s kernel; value /proc/sys/kernel/osrelease; e kernel $?
s iproute2; ip -V; e iproute2 $?
`)}s ip_forward; value /proc/sys/net/ipv4/ip_forward; e ip_forward $?
s ip6_forward; value /proc/sys/net/ipv6/conf/all/forwarding; e ip6_forward $?
${full(`# What Switchboard keeps for boot: "absent", or "present" and the file.
s forwarding_file; if [ -f ${FORWARDING_FILE} ]; then echo present; cat ${FORWARDING_FILE}; else echo absent; fi; e forwarding_file $?
# What configures the network at boot (parse/boot-config.ts): shell tests where they can tell,
# and each boot file base64-encoded (a file cannot forge a marker), too large ones left empty.
s boot_config
w=/etc/systemd/system/multi-user.target.wants
for u in NetworkManager systemd-networkd networking; do [ -e "$w/$u.service" ] && echo "enabled $u"; done
if [ -d /usr/share/ifupdown2 ]; then echo 'installed ifupdown2'; elif [ -x /sbin/ifup ]; then echo 'installed ifupdown'; fi
# classic ifupdown creates bridges, bonds and VLANs through these packages' hooks.
for h in bridge:bridge-utils ifenslave:ifenslave vlan:vlan; do [ -e "/etc/network/if-pre-up.d/\${h%%:*}" ] && echo "installed \${h#*:}"; done
# Which devices NetworkManager manages (it may undo a change made beside it), when it runs.
if command -v nmcli >/dev/null 2>&1; then echo 'installed nmcli'; nmcli -t -f DEVICE,STATE device status 2>/dev/null | sed 's/^/nm-device /'; fi
command -v netplan >/dev/null 2>&1 && echo 'installed netplan'
# Switchboard's boot unit (tc and NAT rules kept for boot) needs systemd as the init system.
[ -d /run/systemd/system ] && echo 'installed systemd'
for f in ${BOOT_FILE_GLOBS.join(' ')}; do
  [ -f "$f" ] || continue
  if [ "$(wc -c < "$f")" -le ${BOOT_FILE_MAX_BYTES} ]; then printf 'file %s %s\n' "$(base64 -w0 < "$f")" "$f"; else printf 'file  %s\n' "$f"; fi
done
e boot_config 0
`)}# With -s the link read holds each interface's counters too: one dump of every interface, not two.
s link; ip -j -s -d link show; e link $?
s addr; ip -j addr show; e addr $?
s route; ip -j route show table main; e route $?
s bridge_link; bridge -j -d link show; e bridge_link $?
s bridge_vlan; bridge -j vlan show; e bridge_vlan $?
s qdisc; tc -j -s qdisc show; e qdisc $?
${only('s neigh; ip -j neigh show; e neigh $?')}
# The panel's own SSH session as the host sees it (SSH_CONNECTION: panel address and port, host
# address and port), and the route back to the panel: what a change must not cut. Under sudo
# the variable is reset, so it is read from the nearest ancestor process that has it.
s session
conn="\${SSH_CONNECTION:-}"
p=$PPID
while [ -z "$conn" ] && [ "\${p:-1}" -gt 1 ]; do
  conn=$(tr '\\0' '\\n' < "/proc/$p/environ" 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p')
  p=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null)
done
printf 'connection %s\\n' "$conn"
set -- $conn
if [ -n "\${1:-}" ]; then ip -j route get "$1"; else true; fi
e session $?
# (The EXIT trap removes the temporary directory.)
if [ -n "$tmp" ]; then wait "$fw"; cat "$tmp/firewall"; wait "$lv"; cat "$tmp/libvirt"; else firewall; ovs; tc_classes_and_filters; libvirt; fi
`;
}

export const PROBE_SCRIPT = probeScript();

/**
 * What a kernel event (ip monitor, tc monitor) can change, and the script that reads only that:
 * about a third of a full read, which a host's watch (live/host-watch.ts) lays over the rest of
 * the last full read. libvirt's events, and everything else, take a full read.
 */
export const KERNEL_SECTIONS: readonly ProbeSection[] = ['ip_forward', 'ip6_forward', 'link', 'addr', 'route', 'bridge_link', 'bridge_vlan', 'qdisc', 'class', 'filter', 'link_stats', 'neigh', 'session'];
export const KERNEL_PROBE_SCRIPT = probeScript({ kernelOnly: true });
