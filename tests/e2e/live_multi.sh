#!/bin/sh
# shellcheck disable=SC2016  # python programs in single quotes
# live_multi.sh - `sipwhy live` on several interfaces at once (-i IF -i lo).
#
# Two network namespaces joined by a veth pair; in the second one, at the same time:
#   call A  198.18.3.1 (first namespace) -> 198.18.3.2  over the veth pair
#   call B  127.0.0.30 -> 127.0.0.31                     over lo
# tcpdump records the veth end and lo (one recording each); `sipwhy live -i VETH -i lo
# --show messages -f json` runs beside them. Checks:
#   - live printed every message of both recordings, each once, and each call's messages
#     in their order (across interfaces the order is arrival order);
#   - the summary names both interfaces with libpcap's counters for each;
#   - errors: a bad interface among good ones is named (exit 2), -w with two interfaces
#     and more than 8 interfaces are refused (exit 2).
# Exit: 0 pass, 77 skip (no network namespaces), 1 fail. Takes about 5 s.
# shellcheck source-path=SCRIPTDIR source=lib_live.sh
. "$(dirname "$0")/lib_live.sh"
live_init live_multi
case $SIPWHY in /*) ;; */*) SIPWHY=$(pwd)/$SIPWHY ;; *) SIPWHY=$(command -v "$SIPWHY" || echo "$SIPWHY") ;; esac
live_need sipp tcpdump python3 ip ss timeout od
live_need_netns
[ -x "$SIPWHY" ] || live_fail "sipwhy binary $SIPWHY not found"
cd "$W" || exit 1

A4=198.18.3.1
B4=198.18.3.2
MAC_A=02:53:57:00:03:0a
MAC_B=02:53:57:00:03:0b
IF_A=swm$$c
IF_B=swm$$s
P=$(live_port) || live_fail "no free port"
nsa=$(live_netns ma) || live_fail "cannot create network namespace"
live_netns_adopt "$nsa"
nsb=$(live_netns mb) || live_fail "cannot create network namespace"
live_netns_adopt "$nsb"
live_veth "$nsa" "$IF_A" "$MAC_A" "$nsb" "$IF_B" "$MAC_B" 1500 || live_fail "cannot create veth pair"
if ! { ip -n "$nsa" addr add "$A4/24" dev "$IF_A" &&
       ip -n "$nsb" addr add "$B4/24" dev "$IF_B" &&
       ip -n "$nsa" neigh replace "$B4" lladdr "$MAC_B" dev "$IF_A" nud permanent &&
       ip -n "$nsb" neigh replace "$A4" lladdr "$MAC_A" dev "$IF_B" nud permanent; }; then
    live_fail "cannot configure the veth pair"
fi
live_log "veth $IF_A/$IF_B, SIP port $P"
CSC=$LIVE_SCEN/calls

live_tcpdump_start capv "$nsb" "$IF_B" udp and port "$P"
live_tcpdump_start capl "$nsb" lo udp and port "$P"
live_bg live "$nsb" 40 "$SIPWHY" live -i "$IF_B" -i lo --show messages -f json udp and port "$P"
sleep 1
live_bg uasv "$nsb" 30 sipp -sf "$CSC/uas_answer.xml" -i "$B4" -p "$P" -m 1 -nostdin
live_bg uasl "$nsb" 30 sipp -sf "$CSC/uas_answer.xml" -i 127.0.0.31 -p "$P" -m 1 -nostdin
live_wait_listen "$nsb" udp "$B4" "$P" || live_fail "sipp UAS (veth) did not start"
live_wait_listen "$nsb" udp 127.0.0.31 "$P" || live_fail "sipp UAS (lo) did not start"
# both calls at once: packets of the two interfaces interleave
live_bg uacv "$nsa" 20 sipp -sf "$CSC/uac_call.xml" -s bob -i "$A4" -p "$P" -m 1 -nostdin "$B4:$P"
live_bg uacl "$nsb" 20 sipp -sf "$CSC/uac_call.xml" -s bob -i 127.0.0.30 -p "$P" -m 1 -nostdin \
    "127.0.0.31:$P"
for n in uacv uacl uasv uasl; do
    live_wait "$n" || live_fail "sipp $n failed (exit $?): $(tail -n 15 "$W/$n.out")"
done
sleep 0.3
live_tcpdump_stop capv
live_tcpdump_stop capl
eval "lp=\$LIVE_PID_live"
kill -INT "$lp" 2>/dev/null
live_wait live || live_fail "sipwhy live exited $? after SIGINT: $(cat "$W/live.err")"
live_log "live: $(cat "$W/live.err")"

for c in capv capl; do
    "$SIPWHY" history -f json "$W/$c.pcap" >"$W/$c.json" 2>"$W/$c.err" ||
        live_fail "history of $c.pcap failed: $(cat "$W/$c.err")"
done
live_expect "live -i $IF_B -i lo: the messages of both interfaces, each once, in order per call" yes \
    "$(python3 -c 'import json, sys
def rows(path):
    return [(o["method"] or "", o["status"] or 0, o["call_id"], o["src_ip"]) for o in map(json.loads, open(path))]
v, l, live = rows(sys.argv[1]), rows(sys.argv[2]), rows(sys.argv[3])
ok = len(v) == 6 and len(l) == 6 and sorted(v + l) == sorted(live)
for ref in (v, l):
    cid = ref[0][2]
    ok = ok and [r for r in live if r[2] == cid] == ref
print("yes" if ok else "no: veth %d, lo %d, live %d" % (len(v), len(l), len(live)))' \
        "$W/capv.json" "$W/capl.json" "$W/live.out")"
live_expect "the summary names both interfaces, libpcap counters for each" yes \
    "$(grep -q "^live: $IF_B,lo: .* 12 SIP messages, 2 calls; libpcap: $IF_B [0-9]* received.*; lo [0-9]* received" \
        "$W/live.err" && echo yes || echo no)"
live_in "$nsb" "$SIPWHY" live -i lo -i no-such-if0 >/dev/null 2>"$W/e1"
live_expect "a bad interface among good ones: exit 2" 2 "$?"
live_expect "... and it is named" 1 "$(grep -c 'no-such-if0' "$W/e1")"
live_in "$nsb" "$SIPWHY" live -i lo -i "$IF_B" -w "$W/x.pcap" >/dev/null 2>"$W/e2"
live_expect "-w with two interfaces: exit 2" 2 "$?"
live_in "$nsb" "$SIPWHY" live -i lo -i lo -i lo -i lo -i lo -i lo -i lo -i lo -i lo >/dev/null 2>"$W/e3"
live_expect "nine interfaces: exit 2" 2 "$?"
live_expect_done "live on several interfaces"
live_log "PASS ($(live_elapsed) s)"
exit 0
