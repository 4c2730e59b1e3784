#!/bin/sh
# shellcheck disable=SC2016  # awk programs in single quotes on purpose
# live_frag.sh - SIP over UDP in IP fragments (IPv4 and IPv6), made by the Linux stack on
# a veth pair with MTU 1280; sipwhy's message list compared with tshark's.
# `sipwhy live` captures on the same interface at the same time and must print the same
# 12 messages (the fragmented ones reassembled) as `history` of the tcpdump recording.
#
# Two network namespaces joined by a veth pair, MTU 1280 on both ends, static neighbour
# entries: 198.18.2.1 / 2001:db8:2::1 (sipp UAC, scenarios/frag_uac.xml) and
# 198.18.2.2 / 2001:db8:2::2 (sipp UAS, scenarios/frag_uas.xml), IPv6 addresses nodad.
# One call over IPv4, then one over IPv6: INVITE with a ~3.3 kB body (3 fragments),
# 180, 200 with a ~2.2 kB body (2 fragments), ACK, BYE, 200. tcpdump records the
# server's end of the veth without a filter (a port filter would drop the non-first
# fragments, which carry no UDP header).
# Checks: the capture holds the fragments; tshark (which reassembles IP by default) sees
# 6 SIP messages per call; sipwhy's rows match tshark's (each fragmented message once,
# at the time of its last fragment); `sipwhy show` of each INVITE / 200 prints the body's
# last line. The live run also writes one file per call (--split-dir): each holds its
# call's 6 messages, the fragmented INVITE and 200 as one packet each, body intact.
# Exit: 0 pass, 77 skip (no network namespaces), 1 fail. Takes about 5 s.
# shellcheck source-path=SCRIPTDIR source=lib_live.sh
. "$(dirname "$0")/lib_live.sh"
live_init frag
live_need sipp tcpdump tshark python3 ip ss timeout od
live_need_netns
cd "$W" || exit 1

A4=198.18.2.1
B4=198.18.2.2
A6=2001:db8:2::1
B6=2001:db8:2::2
MAC_A=02:53:57:00:02:0a
MAC_B=02:53:57:00:02:0b
IF_A=swl$$c
IF_B=swl$$s
PORT=$(live_port) || live_fail "no free port"
nsa=$(live_netns fa) || live_fail "cannot create network namespace"
live_netns_adopt "$nsa"
nsb=$(live_netns fb) || live_fail "cannot create network namespace"
live_netns_adopt "$nsb"
live_veth "$nsa" "$IF_A" "$MAC_A" "$nsb" "$IF_B" "$MAC_B" 1280 || live_fail "cannot create veth pair"
if ! { ip -n "$nsa" addr add "$A4/24" dev "$IF_A" &&
       ip -n "$nsb" addr add "$B4/24" dev "$IF_B" &&
       ip -n "$nsa" -6 addr add "$A6/64" dev "$IF_A" nodad &&
       ip -n "$nsb" -6 addr add "$B6/64" dev "$IF_B" nodad &&
       ip -n "$nsa" neigh replace "$B4" lladdr "$MAC_B" dev "$IF_A" nud permanent &&
       ip -n "$nsb" neigh replace "$A4" lladdr "$MAC_A" dev "$IF_B" nud permanent &&
       ip -n "$nsa" -6 neigh replace "$B6" lladdr "$MAC_B" dev "$IF_A" nud permanent &&
       ip -n "$nsb" -6 neigh replace "$A6" lladdr "$MAC_A" dev "$IF_B" nud permanent; }; then
    live_fail "cannot configure the veth pair"
fi
live_log "veth $IF_A/$IF_B mtu 1280, SIP port $PORT"

live_tcpdump_start cap "$nsb" "$IF_B"
# sipwhy live on the same interface at the same time (no filter: fragments kept)
mkdir -p "$W/split"
live_bg live "$nsb" 40 "$SIPWHY" live -i "$IF_B" --show messages -f json --split-dir "$W/split"
sleep 0.5
live_bg uas4 "$nsb" 30 sipp -sf "$LIVE_SCEN/frag_uas.xml" -i "$B4" -p "$PORT" -m 1 -nostdin
live_bg uas6 "$nsb" 30 sipp -sf "$LIVE_SCEN/frag_uas.xml" -i "$B6" -p "$PORT" -m 1 -nostdin
live_wait_listen "$nsb" udp "$B4" "$PORT" || live_fail "sipp uas (IPv4) did not start: $(cat "$W/uas4.err")"
live_wait_listen "$nsb" udp "[$B6]" "$PORT" || live_fail "sipp uas (IPv6) did not start: $(cat "$W/uas6.err")"
live_run uac4 "$nsa" 20 sipp -sf "$LIVE_SCEN/frag_uac.xml" -s bob -i "$A4" -p "$PORT" -m 1 \
    -nostdin "$B4:$PORT" || live_fail "IPv4 call failed (sipp exit $?): $(tail -n 20 "$W/uac4.out")"
live_run uac6 "$nsa" 20 sipp -sf "$LIVE_SCEN/frag_uac.xml" -s bob -i "$A6" -p "$PORT" -m 1 \
    -nostdin "[$B6]:$PORT" || live_fail "IPv6 call failed (sipp exit $?): $(tail -n 20 "$W/uac6.out")"
live_wait uas4 || live_fail "sipp uas (IPv4) failed (exit $?): $(tail -n 20 "$W/uas4.out")"
live_wait uas6 || live_fail "sipp uas (IPv6) failed (exit $?): $(tail -n 20 "$W/uas6.out")"
live_tcpdump_stop cap
eval "lp=\$LIVE_PID_live"
kill -INT "$lp" 2>/dev/null
live_wait live || live_fail "sipwhy live exited $? after SIGINT: $(cat "$W/live.err")"

# --- the capture: fragments, as tshark sees them ---
nframes() {
    live_tshark -n -r "$W/cap.pcap" -Y "$1" | wc -l | tr -d ' '
}
# Per datagram that needed fragments: "<last fragment's frame>:<fragment count>".
live_expect "IPv4 fragments (INVITE 3 + 200 OK 2)" 5 "$(nframes 'ip.flags.mf == 1 || ip.frag_offset > 0')"
live_expect "IPv6 fragments (INVITE 3 + 200 OK 2)" 5 "$(nframes 'ipv6.fraghdr')"
live_expect "largest frame fits the 1280 MTU" yes \
    "$(live_tshark -n -r "$W/cap.pcap" -T fields -e frame.len | awk '$1 > m { m = $1 } END { print (m <= 1294) ? "yes" : "no (" m ")" }')"
live_expect_done "the capture"

live_ground_truth cap
check_counts() { # FILE WHO
    for fam in "$A4 $B4" "$A6 $B6"; do
        a=${fam% *}
        b=${fam#* }
        live_expect "$2: INVITE $a -> $b" 1 "$(live_count "$1" '$8 == "INVITE" && $3 == a && $5 == b' a="$a" b="$b")"
        live_expect "$2: 180 $b -> $a" 1 "$(live_count "$1" '$9 == 180 && $3 == b && $5 == a' a="$a" b="$b")"
        live_expect "$2: 200 to INVITE $b -> $a" 1 "$(live_count "$1" '$9 == 200 && $12 == "INVITE" && $3 == b' b="$b")"
        live_expect "$2: ACK $a" 1 "$(live_count "$1" '$8 == "ACK" && $3 == a' a="$a")"
        live_expect "$2: BYE $a" 1 "$(live_count "$1" '$8 == "BYE" && $3 == a' a="$a")"
        live_expect "$2: 200 to BYE $b" 1 "$(live_count "$1" '$9 == 200 && $12 == "BYE" && $3 == b' b="$b")"
    done
    live_expect "$2: distinct messages" 12 "$(live_count "$1" 1)"
    live_expect "$2: transport udp on every row" 0 "$(live_rows "$1" '$7 != "udp"')"
    live_expect_done "$2"
}
check_counts "$W/cap.gtm.tsv" tshark
# A reassembled datagram is listed at its last fragment: tshark's frame for each INVITE
# must be a fragment with no more to come (offset > 0, MF clear).
frames=$(awk -F '\t' 'NR > 1 && ($8 == "INVITE" || ($9 == 200 && $12 == "INVITE")) { print $1 }' "$W/cap.gt.tsv")
for f in $frames; do
    live_expect "tshark: frame $f (INVITE or 200 OK) is a last fragment" 1 \
        "$(nframes "frame.number == $f && ((ip.frag_offset > 0 && ip.flags.mf == 0) || (ipv6.fraghdr.offset > 0 && ipv6.fraghdr.more == 0))")"
done
live_expect_done "the capture"

# --- sipwhy ---
live_sipwhy cap
live_diff cap
ours=$W/cap.ours.tsv
check_counts "$ours" sipwhy
for who in "$A4 INVITE frag-uac" "$A6 INVITE frag-uac" "$B4 200 frag-uas" "$B6 200 frag-uas"; do
    ip=${who%% *}
    what=${who#* }
    what=${what% *}
    tag=${who##* }
    n=$(live_first "$ours" '$3 == ip && $12 == "INVITE" && ($8 == w || $9 == w)' ip="$ip" w="$what")
    [ -n "$n" ] || live_fail "sipwhy lists no $what from $ip"
    live_show cap "$n" "a=x-sipwhy-end:$tag" "$what from $ip, fragmented"
done
# sipwhy live saw the same 12 messages, the fragmented ones reassembled
"$SIPWHY" history -f json "$W/cap.pcap" >"$W/ref.json" || live_fail "history of cap.pcap failed"
live_expect "sipwhy live -i $IF_B: the same messages as history of tcpdump's capture" yes \
    "$(python3 -c 'import json,sys
k = lambda f: [(o["method"], o["status"], o["call_id"], o["src_ip"]) for o in map(json.loads, open(f))]
a, b = k(sys.argv[1]), k(sys.argv[2])
print("yes" if a == b and len(a) == 12 else "no: %d vs %d" % (len(a), len(b)))' "$W/ref.json" "$W/live.out")"
live_expect "sipwhy live: reassembled messages flagged" 4 \
    "$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["reassembled"]))' "$W/live.out")"
live_expect_done "sipwhy live"

# --split-dir: a file per call (IPv4, IPv6), its 6 messages as history of tcpdump's capture
# lists them, the fragmented ones as single packets that keep their whole body
live_expect "--split-dir: two call files" 2 "$(find "$W/split" -name '*.pcap' | wc -l | tr -d ' ')"
for f in "$W"/split/*.pcap; do
    [ -f "$f" ] || continue
    "$SIPWHY" history -f json "$f" >"$f.json" 2>"$f.err" || live_fail "history of $f failed: $(cat "$f.err")"
    live_expect "--split-dir $(basename "$f"): its call's messages" yes "$(python3 -c 'import json,sys
k = lambda f: [(o["method"], o["status"], o["call_id"], o["src_ip"], o["dst_ip"]) for o in map(json.loads, open(f))]
mine = k(sys.argv[2])
ref = [r for r in k(sys.argv[1]) if mine and r[2] == mine[0][2]]
print("yes" if mine == ref and len(mine) == 6 else "no: %r" % mine)' "$W/ref.json" "$f.json")"
    live_expect "--split-dir $(basename "$f"): one packet a message, none a fragment" "6 0"         "$(tshark -n -r "$f" 2>/dev/null | wc -l | tr -d ' ') $(tshark -n -r "$f" -Y 'ip.flags.mf == 1 || ip.frag_offset > 0 || ipv6.fraghdr' 2>/dev/null | wc -l | tr -d ' ')"
    for what in INVITE 200; do
        n=$("$SIPWHY" history -f tsv "$f" |
            awk -F '\t' -v w="$what" 'NR > 1 && ($8 == w || ($9 == w && $12 == "INVITE")) { print $1; exit }')
        [ -n "$n" ] || { live_expect "--split-dir $(basename "$f"): a $what" yes no; continue; }
        live_expect "--split-dir $(basename "$f"): the $what's body ends as sent" 1 \
            "$("$SIPWHY" show "$f" "$n" | grep -c 'a=x-sipwhy-end:')"
    done
done
live_expect_done "sipwhy live --split-dir"
live_log "PASS ($(live_elapsed) s)"
exit 0
