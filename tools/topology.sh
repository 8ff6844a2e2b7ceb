# The demo/test topology, shared by tools/quickstart and tests/net: one
# namespace with one veth pair. Sourced, not run.
#
#   root namespace                      namespace $SL_NS
#   $SL_IF 198.18.0.1/24 2001:db8::1  <-> $SL_PEER 198.18.0.2/24 2001:db8::2
#                                          also 198.19.1.1 and 2001:db8:bad::1,
#                                          sources the edge config blocklists
#
# Neighbours are static both ways, so no ARP or ND is needed.

SL_ADDR4=198.18.0.1
SL_PEER4=198.18.0.2
SL_BLOCKED4=198.19.1.1
SL_ADDR6=2001:db8::1
SL_PEER6=2001:db8::2
SL_BLOCKED6=2001:db8:bad::1

# sl_topology_up NS IF PEER
sl_topology_up() {
  SL_NS=$1 SL_IF=$2 SL_PEER=$3
  ip netns add "$SL_NS" || return 1
  ip link add "$SL_IF" type veth peer name "$SL_PEER" netns "$SL_NS" || return 1
  ip -n "$SL_NS" link set lo up
  ip addr add "$SL_ADDR4/24" dev "$SL_IF"
  ip addr add "$SL_ADDR6/64" dev "$SL_IF" nodad
  ip -n "$SL_NS" addr add "$SL_PEER4/24" dev "$SL_PEER"
  ip -n "$SL_NS" addr add "$SL_BLOCKED4/32" dev "$SL_PEER"
  ip -n "$SL_NS" addr add "$SL_PEER6/64" dev "$SL_PEER" nodad
  ip -n "$SL_NS" addr add "$SL_BLOCKED6/128" dev "$SL_PEER" nodad
  ip link set "$SL_IF" up
  ip -n "$SL_NS" link set "$SL_PEER" up
  local mac_if mac_peer
  mac_if=$(cat "/sys/class/net/$SL_IF/address")
  mac_peer=$(ip -n "$SL_NS" -o link show "$SL_PEER" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
  ip neigh replace "$SL_PEER4" lladdr "$mac_peer" dev "$SL_IF" nud permanent
  ip neigh replace "$SL_BLOCKED4" lladdr "$mac_peer" dev "$SL_IF" nud permanent
  ip neigh replace "$SL_PEER6" lladdr "$mac_peer" dev "$SL_IF" nud permanent
  ip neigh replace "$SL_BLOCKED6" lladdr "$mac_peer" dev "$SL_IF" nud permanent
  ip route replace "$SL_BLOCKED4/32" dev "$SL_IF"
  ip -6 route replace "$SL_BLOCKED6/128" dev "$SL_IF"
  ip -n "$SL_NS" neigh replace "$SL_ADDR4" lladdr "$mac_if" dev "$SL_PEER" nud permanent
  ip -n "$SL_NS" neigh replace "$SL_ADDR6" lladdr "$mac_if" dev "$SL_PEER" nud permanent
  # The blocked sources must leave with their own address, not be rejected by rp_filter.
  sysctl -qw "net.ipv4.conf.$SL_IF.rp_filter=0" 2>/dev/null || true
}

# sl_topology_down: removes the namespace (and with it the veth pair).
sl_topology_down() {
  [ -n "${SL_IF:-}" ] && ip link del "$SL_IF" 2>/dev/null
  [ -n "${SL_NS:-}" ] && ip netns del "$SL_NS" 2>/dev/null
  return 0
}

# sl_in_ns CMD...: runs a command in the namespace (it needs no bpffs pins).
sl_in_ns() {
  ip netns exec "$SL_NS" "$@"
}
